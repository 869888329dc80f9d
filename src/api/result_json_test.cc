#include "api/result_json.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tables/value_json.h"

namespace kalam::api {

using tables::AppendJsonString;
using tables::AppendJsonValue;
namespace {

std::string Json(const Value& value) {
  std::string out;
  AppendJsonValue(out, value);
  return out;
}

TEST(ResultJsonTest, EncodesValuesAsTheApiContractSays) {
  EXPECT_EQ(Json(Value::Null()), "null");
  EXPECT_EQ(Json(Value::Boolean(true)), "true");
  EXPECT_EQ(Json(Value::Int32(-7)), "-7");
  EXPECT_EQ(Json(Value::Int64(9007199254740993)), "\"9007199254740993\"");
  EXPECT_EQ(Json(Value::Double(2.5)), "2.5");
  EXPECT_EQ(Json(Value::Double(0.1)), "0.1");
  EXPECT_EQ(Json(Value::Text("a\"b\\c\n\x01")), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(Json(Value::Json(R"({"k": [1, 2]})")), R"({"k":[1,2]})");
  EXPECT_EQ(Json({.kind = Value::Kind::kBytes, .text = "hi!?"}), "\"aGkhPw==\"");
  EXPECT_EQ(Json({.kind = Value::Kind::kTimestamp, .integer = 1795341600123456}),
            "\"2026-11-22T10:00:00.123456Z\"");
  EXPECT_EQ(Json({.kind = Value::Kind::kTimestamp, .integer = -1}),
            "\"1969-12-31T23:59:59.999999Z\"");
  EXPECT_EQ(Json({.kind = Value::Kind::kDate, .integer = 20779}), "\"2026-11-22\"");
  EXPECT_EQ(Json({.kind = Value::Kind::kTime, .integer = 3723000001}), "\"01:02:03.000001\"");
  EXPECT_EQ(Json({.kind = Value::Kind::kDecimal, .text = "-0.05"}), "\"-0.05\"");
  Value list{.kind = Value::Kind::kList, .children = {Value::Int32(1), Value::Null()}};
  EXPECT_EQ(Json(list), "[1,null]");
  Value object{.kind = Value::Kind::kStruct, .children = {Value::Text("x")}, .field_names = {"a"}};
  EXPECT_EQ(Json(object), R"({"a":"x"})");
  EXPECT_EQ(Json(Value::Double(std::nan(""))), "\"NaN\"");
}

TEST(ResultJsonTest, WritesResultsArrayThatParses) {
  JsonResultWriter writer;
  const std::vector<ResultColumn> columns = {{"id", "BIGINT"}, {"name", "TEXT"}};
  writer.BeginResult(columns);
  writer.Row(std::vector<Value>{Value::Int64(1), Value::Text("a")});
  writer.Row(std::vector<Value>{Value::Int64(2), Value::Null()});
  writer.EndResult(2, "");
  writer.BeginResult({});
  writer.EndResult(0, "Namespace 'app' created successfully");
  const boost::json::value parsed = boost::json::parse(writer.TakeArray());
  const auto& results = parsed.as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].at("schema").at(1).at("name"), "name");
  EXPECT_EQ(results[0].at("schema").at(1).at("index"), 1);
  EXPECT_EQ(results[0].at("rows").at(1).at(0), "2");
  EXPECT_EQ(results[0].at("row_count"), 2);
  EXPECT_EQ(results[1].at("message"), "Namespace 'app' created successfully");
  EXPECT_FALSE(results[0].as_object().contains("message"));
}

TEST(ResultJsonTest, AnErrorKeepsTheCompleteResultsAndDropsTheOneCutShort) {
  JsonResultWriter writer;
  const std::vector<ResultColumn> columns = {{"id", "BIGINT"}};
  writer.BeginResult({});
  writer.EndResult(1, "Inserted 1 row(s)");
  writer.BeginResult(columns);
  writer.Row(std::vector<Value>{Value::Int64(1)});
  writer.EndAtLastCompleteResult();
  const boost::json::value parsed = boost::json::parse(writer.TakeArray());
  ASSERT_EQ(parsed.as_array().size(), 1u);
  EXPECT_EQ(parsed.at(0).at("message"), "Inserted 1 row(s)");
}

TEST(ResultJsonTest, AnErrorClosesAResultOfWhichRowsHaveAlreadyBeenSent) {
  std::string sent;
  JsonResultWriter writer(10, [&](std::string_view text) {
    sent += text;
    return true;
  });
  writer.BeginResult(std::vector<ResultColumn>{{"id", "BIGINT"}});
  writer.Row(std::vector<Value>{Value::Int64(1)});
  writer.Row(std::vector<Value>{Value::Int64(2)});
  writer.EndAtLastCompleteResult();
  ASSERT_TRUE(writer.spilled());
  const boost::json::value parsed = boost::json::parse(sent + writer.TakeArray());
  EXPECT_EQ(parsed.at(0).at("row_count"), 2);
}

TEST(ResultJsonTest, AsUserIsReportedOnlyForTheResultsThatRanAsTheSubject) {
  JsonResultWriter writer;
  writer.SetAsUser("u_alice");
  writer.BeginResult({});
  writer.EndResult(1, "Inserted 1 row(s)");
  writer.SetAsUser("");
  writer.BeginResult({});
  writer.EndResult(0, "");
  const boost::json::value parsed = boost::json::parse(writer.TakeArray());
  EXPECT_EQ(parsed.at(0).at("as_user"), "u_alice");
  EXPECT_FALSE(parsed.at(1).as_object().contains("as_user"));
}

}  // namespace
}  // namespace kalam::api

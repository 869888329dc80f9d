#include "tables/coerce.h"

#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::tables {
namespace {

using ::testing::HasSubstr;
using Kind = catalog::DataType::Kind;

Value Coerced(catalog::DataType type, const Value& literal) {
  Result<Value> value = CoerceValue(type, literal, "c");
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  return value.ok() ? *value : Value::Null();
}

std::string Error(catalog::DataType type, const Value& literal) {
  Result<Value> value = CoerceValue(type, literal, "c");
  EXPECT_FALSE(value.ok());
  return value.ok() ? "" : std::string(value.status().message());
}

TEST(CoerceTest, BooleansAndIntegers) {
  EXPECT_TRUE(Coerced({.kind = Kind::kBoolean}, Value::Text("TRUE")).boolean);
  EXPECT_FALSE(Coerced({.kind = Kind::kBoolean}, Value::Int64(0)).boolean);
  EXPECT_THAT(Error({.kind = Kind::kBoolean}, Value::Text("yes please")),
              HasSubstr("not a boolean"));
  EXPECT_EQ(Coerced({.kind = Kind::kInt}, Value::Text("-2147483648")).integer, -2147483648LL);
  EXPECT_THAT(Error({.kind = Kind::kInt}, Value::Int64(2147483648LL)), HasSubstr("out of range"));
  EXPECT_THAT(Error({.kind = Kind::kSmallInt}, Value::Int64(40000)), HasSubstr("out of range"));
  const Value big = Coerced({.kind = Kind::kBigInt}, Value::Text("9007199254740993"));
  EXPECT_EQ(big.kind, Value::Kind::kInt64);
  EXPECT_EQ(big.integer, 9007199254740993);
  EXPECT_THAT(Error({.kind = Kind::kBigInt}, Value::Text("99999999999999999999")),
              HasSubstr("out of range"));
  EXPECT_THAT(Error({.kind = Kind::kInt}, Value::Double(2.5)), HasSubstr("not a whole number"));
  EXPECT_EQ(Coerced({.kind = Kind::kInt}, Value::Double(3.0)).integer, 3);
  EXPECT_EQ(Coerced({.kind = Kind::kInt}, Value::Null()).kind, Value::Kind::kNull);
}

TEST(CoerceTest, FloatingAndExactDecimals) {
  EXPECT_EQ(Coerced({.kind = Kind::kDouble}, Value::Text("1e3")).number, 1000.0);
  EXPECT_THAT(Error({.kind = Kind::kDouble}, Value::Text("nan")), HasSubstr("not a finite number"));
  const catalog::DataType money{.kind = Kind::kDecimal, .precision = 10, .scale = 2};
  EXPECT_EQ(Coerced(money, Value::Text("12.5")).text, "12.50");
  EXPECT_EQ(Coerced(money, Value::Int64(-7)).text, "-7.00");
  EXPECT_EQ(Coerced(money, Value::Text("-0.00")).text, "0.00");
  EXPECT_EQ(Coerced(money, {.kind = Value::Kind::kDecimal, .text = "00042.10"}).text, "42.10");
  EXPECT_THAT(Error(money, Value::Text("1.005")), HasSubstr("more than 2 digits after the point"));
  EXPECT_THAT(Error(money, Value::Text("123456789.0")), HasSubstr("does not fit"));
  EXPECT_THAT(Error(money, Value::Text("1.2.3")), HasSubstr("not a decimal number"));
}

TEST(CoerceTest, TextJsonUuidBytes) {
  EXPECT_EQ(Coerced({.kind = Kind::kText}, Value::Int64(5)).text, "5");
  EXPECT_EQ(Coerced({.kind = Kind::kJson}, Value::Text(R"({"a": [1]})")).kind, Value::Kind::kJson);
  EXPECT_THAT(Error({.kind = Kind::kJson}, Value::Text("{oops")), HasSubstr("not valid JSON"));
  EXPECT_EQ(
      Coerced({.kind = Kind::kUuid}, Value::Text("0193A5E2-7C4F-7ABC-8DEF-0123456789AB")).text,
      "0193a5e2-7c4f-7abc-8def-0123456789ab");
  EXPECT_THAT(Error({.kind = Kind::kUuid}, Value::Text("not-a-uuid")), HasSubstr("is not a UUID"));
  EXPECT_EQ(Coerced({.kind = Kind::kBytes}, Value::Text("ab")).kind, Value::Kind::kBytes);
}

// VARCHAR(n) holds at most n characters, counted as characters, not bytes.
TEST(CoerceTest, VarcharLimitsCharacters) {
  const catalog::DataType varchar5{.kind = Kind::kText, .length = 5};
  EXPECT_EQ(Coerced(varchar5, Value::Text("héllo")).text, "héllo");  // 5 characters, 6 bytes
  EXPECT_EQ(Coerced(varchar5, Value::Int64(12345)).text, "12345");
  EXPECT_EQ(Error(varchar5, Value::Text("hello world")),
            "invalid value for column 'c' (VARCHAR(5)): 11 characters, longer than the limit of 5");
  EXPECT_THAT(Error(varchar5, Value::Int64(123456)), HasSubstr("6 characters"));
  EXPECT_EQ(Coerced({.kind = Kind::kText}, Value::Text(std::string(100, 'x'))).text.size(), 100u);
  EXPECT_EQ(CharacterLength(""), 0u);
  EXPECT_EQ(CharacterLength("a✓€😀"), 4u);
}

TEST(CoerceTest, CheckColumnValueAppliesNotNullAndLength) {
  catalog::ColumnDefinition column{.name = "c", .type = {.kind = Kind::kText, .length = 2}};
  EXPECT_OK(CheckColumnValue(column, Value::Null()));
  EXPECT_OK(CheckColumnValue(column, Value::Text("éé")));
  EXPECT_THAT(std::string(CheckColumnValue(column, Value::Text("abc")).message()),
              HasSubstr("VARCHAR(2)"));
  column.nullable = false;
  EXPECT_EQ(CheckColumnValue(column, Value::Null()),
            Status::NotNullViolation("column 'c' cannot be NULL"));
  EXPECT_OK(CheckColumnValue({.name = "n", .type = {.kind = Kind::kInt}}, Value::Int32(1)));
}

TEST(CoerceTest, DatesTimesAndTimestamps) {
  EXPECT_EQ(Coerced({.kind = Kind::kDate}, Value::Text("2026-11-22")).integer, 20779);
  EXPECT_EQ(Coerced({.kind = Kind::kDate}, Value::Text("1969-12-31")).integer, -1);
  EXPECT_EQ(Coerced({.kind = Kind::kDate}, Value::Text("2024-02-29")).integer, 19782);
  EXPECT_THAT(Error({.kind = Kind::kDate}, Value::Text("2023-02-29")), HasSubstr("YYYY-MM-DD"));
  EXPECT_EQ(Coerced({.kind = Kind::kTime}, Value::Text("01:02:03.5")).integer, 3723500000);
  const catalog::DataType ts{.kind = Kind::kTimestamp};
  EXPECT_EQ(Coerced(ts, Value::Text("2026-11-22T10:00:00.123456Z")).integer, 1795341600123456);
  EXPECT_EQ(Coerced(ts, Value::Text("2026-11-22 10:00:00.123456")).integer, 1795341600123456);
  EXPECT_EQ(Coerced(ts, Value::Text("2026-11-22T12:00:00+02:00")).integer, 1795341600000000);
  EXPECT_EQ(Coerced(ts, Value::Text("2026-11-22T05:30:00-0430")).integer, 1795341600000000);
  EXPECT_EQ(Coerced(ts, Value::Text("2026-11-22")).integer, 1795305600000000);
  EXPECT_EQ(Coerced(ts, Value::Text("2026-11-22T10:00:00.123456789Z")).integer, 1795341600123456);
  for (const char* bad : {"2026-13-01T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:00:00Q",
                          "yesterday", "2026-11-22T10:00:00+25:00", ""}) {
    EXPECT_THAT(Error(ts, Value::Text(bad)), HasSubstr("ISO-8601")) << bad;
  }
  // Integers are epoch milliseconds (the original's convention, and JavaScript's Date.now()).
  EXPECT_EQ(Coerced(ts, Value::Int64(1795341600123)).integer, 1795341600123000);
  EXPECT_EQ(Coerced({.kind = Kind::kDateTime}, Value::Int64(-1)).integer, -1000);
  EXPECT_EQ(Coerced(ts, {.kind = Value::Kind::kDecimal, .text = "1795341600123"}).integer,
            1795341600123000);
  EXPECT_THAT(Error(ts, {.kind = Value::Kind::kDecimal, .text = "1.5"}),
              HasSubstr("ISO-8601 string or integer epoch milliseconds"));
  EXPECT_THAT(Error(ts, Value::Int64(std::numeric_limits<int64_t>::max())), HasSubstr("range"));
  EXPECT_THAT(Error(ts, {.kind = Value::Kind::kDecimal, .text = "99999999999999999999"}),
              HasSubstr("range"));
  EXPECT_EQ(Error({.kind = Kind::kDate}, Value::Int64(5)).find("epoch"), std::string::npos);
  // Already-typed values (now() evaluated by the engine) convert without text.
  const Value typed{.kind = Value::Kind::kTimestamp, .integer = 1795341600123456};
  EXPECT_EQ(Coerced(ts, typed).integer, 1795341600123456);
  EXPECT_EQ(Coerced({.kind = Kind::kDate}, typed).integer, 20779);
  EXPECT_EQ(
      Coerced({.kind = Kind::kDate}, {.kind = Value::Kind::kTimestamp, .integer = -1}).integer, -1);
  EXPECT_EQ(Coerced(ts, {.kind = Value::Kind::kDate, .integer = 1}).integer, 86400000000);
  EXPECT_EQ(
      Coerced({.kind = Kind::kText}, {.kind = Value::Kind::kUInt64, .unsigned_integer = 7}).text,
      "7");
}

TEST(CoerceTest, EmbeddingsNeedTheRightLength) {
  const catalog::DataType vec{.kind = Kind::kEmbedding, .dimension = 3};
  const Value parsed = Coerced(vec, Value::Text("[0.5, -1, 2e0]"));
  ASSERT_EQ(parsed.children.size(), 3u);
  EXPECT_EQ(parsed.children[1].number, -1.0);
  EXPECT_THAT(Error(vec, Value::Text("[1, 2]")), HasSubstr("expected 3 numbers, got 2"));
  EXPECT_THAT(Error(vec, Value::Text("[1, \"x\", 3]")), HasSubstr("JSON array of numbers"));
  EXPECT_THAT(Error(vec, Value::Int64(1)), HasSubstr("JSON array of numbers"));
}

}  // namespace
}  // namespace kalam::tables

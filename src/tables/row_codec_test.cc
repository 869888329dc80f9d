#include "tables/row_codec.h"

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::tables {
namespace {

using catalog::ColumnDefinition;
using Kind = catalog::DataType::Kind;

ColumnDefinition Column(uint32_t id, std::string name, Kind kind, uint32_t dimension = 0) {
  return {.column_id = id, .name = std::move(name), .type = {.kind = kind, .dimension = dimension}};
}

bool SameValue(const Value& a, const Value& b) {
  if (a.kind != b.kind || a.boolean != b.boolean || a.integer != b.integer || a.text != b.text ||
      a.children.size() != b.children.size()) {
    return false;
  }
  if (a.kind == Value::Kind::kDouble && a.number != b.number) return false;
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (a.children[i].number != b.children[i].number) return false;
  }
  return true;
}

TEST(RowCodecTest, RoundTripsEveryKindIncludingNulls) {
  const std::vector<ColumnDefinition> columns = {
      Column(1, "b", Kind::kBoolean),    Column(2, "i", Kind::kInt),
      Column(3, "big", Kind::kBigInt),   Column(4, "d", Kind::kDouble),
      Column(5, "dec", Kind::kDecimal),  Column(6, "t", Kind::kText),
      Column(7, "j", Kind::kJson),       Column(8, "raw", Kind::kBytes),
      Column(9, "ts", Kind::kTimestamp), Column(10, "day", Kind::kDate),
      Column(11, "tm", Kind::kTime),     Column(12, "vec", Kind::kEmbedding, 3),
      Column(13, "nothing", Kind::kText)};
  const std::vector<Value> values = {
      Value::Boolean(true),
      Value::Int32(-42),
      Value::Int64(std::numeric_limits<int64_t>::min()),
      Value::Double(-0.125),
      {.kind = Value::Kind::kDecimal, .text = "-12.50"},
      Value::Text("héllo \0 world"),
      Value::Json(R"({"a":1})"),
      {.kind = Value::Kind::kBytes, .text = std::string("\x00\xff", 2)},
      {.kind = Value::Kind::kTimestamp, .integer = 1795341600123456},
      {.kind = Value::Kind::kDate, .integer = -1},
      {.kind = Value::Kind::kTime, .integer = 86399999999},
      {.kind = Value::Kind::kList,
       .children = {Value::Double(0.5), Value::Double(-1.25), Value::Double(3)}},
      Value::Null()};
  const std::string bytes = EncodeRow(columns, values);
  ASSERT_OK_AND_ASSIGN(const std::vector<Value> decoded, DecodeRow(bytes, columns));
  ASSERT_EQ(decoded.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_TRUE(SameValue(decoded[i], values[i])) << "column " << columns[i].name;
  }
}

TEST(RowCodecTest, ReadsOldRowsThroughRenamesDropsAddsAndWidening) {
  const std::vector<ColumnDefinition> v1 = {
      Column(1, "id", Kind::kInt), Column(2, "body", Kind::kText), Column(3, "n", Kind::kInt)};
  const std::string stored =
      EncodeRow(v1, std::vector<Value>{Value::Int32(7), Value::Text("x"), Value::Int32(5)});
  // Later schema: body renamed to content, n widened to BIGINT, a column dropped and one added.
  const std::vector<ColumnDefinition> v4 = {
      Column(1, "id", Kind::kInt), Column(3, "n", Kind::kBigInt), Column(2, "content", Kind::kText),
      Column(4, "added", Kind::kBoolean)};
  ASSERT_OK_AND_ASSIGN(const std::vector<Value> row, DecodeRow(stored, v4));
  EXPECT_EQ(row[0].integer, 7);
  EXPECT_EQ(row[1].kind, Value::Kind::kInt64);
  EXPECT_EQ(row[1].integer, 5);
  EXPECT_EQ(row[2].text, "x");
  EXPECT_EQ(row[3].kind, Value::Kind::kNull);
  const std::vector<ColumnDefinition> dropped = {Column(1, "id", Kind::kInt)};
  ASSERT_OK_AND_ASSIGN(const std::vector<Value> narrow, DecodeRow(stored, dropped));
  EXPECT_EQ(narrow.size(), 1u);
}

// A column added after a row was written reads its fill value there (the DEFAULT that
// ADD COLUMN evaluated once), widened if the column's type changed since; rows written
// with the column read their own cell, NULL included.
TEST(RowCodecTest, ColumnsAddedLaterReadTheirFillValue) {
  const std::vector<ColumnDefinition> v1 = {Column(1, "id", Kind::kInt),
                                            Column(2, "body", Kind::kText)};
  const std::string old_row = EncodeRow(v1, std::vector<Value>{Value::Int32(7), Value::Text("x")});
  ColumnDefinition flag = Column(3, "flag", Kind::kBoolean);
  flag.fill_value = Value::Boolean(false);
  ColumnDefinition count = Column(4, "count", Kind::kInt);
  count.fill_value = Value::Int32(5);
  const std::vector<ColumnDefinition> v2 = {v1[0], v1[1], flag, count};
  ASSERT_OK_AND_ASSIGN(const std::vector<Value> read, DecodeRow(old_row, v2));
  EXPECT_EQ(read[2], Value::Boolean(false));
  EXPECT_EQ(read[3], Value::Int32(5));

  const std::string new_row = EncodeRow(
      v2, std::vector<Value>{Value::Int32(8), Value::Text("y"), Value::Null(), Value::Int32(1)});
  ASSERT_OK_AND_ASSIGN(const std::vector<Value> own, DecodeRow(new_row, v2));
  EXPECT_EQ(own[2], Value::Null());
  EXPECT_EQ(own[3], Value::Int32(1));

  // Later: body dropped, count widened to BIGINT, flag moved first.
  ColumnDefinition wide = count;
  wide.type.kind = Kind::kBigInt;
  const std::vector<ColumnDefinition> v3 = {flag, v1[0], wide};
  ASSERT_OK_AND_ASSIGN(const std::vector<Value> later, DecodeRow(old_row, v3));
  EXPECT_EQ(later[0], Value::Boolean(false));
  EXPECT_EQ(later[1], Value::Int32(7));
  EXPECT_EQ(later[2], Value::Int64(5));
}

TEST(RowCodecTest, DamagedRowsAreCorruptionNotCrashes) {
  const std::vector<ColumnDefinition> columns = {Column(1, "t", Kind::kText)};
  const std::string bytes = EncodeRow(columns, std::vector<Value>{Value::Text("abcdef")});
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(DecodeRow(bytes.substr(0, cut), columns).status().code(), StatusCode::kCorruption);
  }
  EXPECT_EQ(DecodeRow(bytes + "x", columns).status().code(), StatusCode::kCorruption);
  std::string future = bytes;
  future[0] = 9;
  EXPECT_EQ(DecodeRow(future, columns).status().code(), StatusCode::kCorruption);
  std::string bad_tag = bytes;
  bad_tag[3] = 99;  // version, count, column id, then the tag
  EXPECT_EQ(DecodeRow(bad_tag, columns).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace kalam::tables

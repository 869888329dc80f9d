#include "storage/record_codec.h"

#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::storage {
namespace {

// Version 1 had {name, count}; version 2 added `ratio`.
struct Widget {
  static constexpr uint32_t kRecordVersion = 2;
  std::string name;
  int64_t count = 0;
  double ratio = 0;

  void EncodeTo(RecordWriter& out) const {
    out.PutString(name);
    out.PutSignedVarint(count);
    out.PutDouble(ratio);
  }
  static Result<Widget> DecodeFrom(RecordReader& in, uint32_t version) {
    Widget widget;
    widget.name = in.GetString();
    widget.count = in.GetSignedVarint();
    widget.ratio = version >= 2 ? in.GetDouble() : 1.0;
    return widget;
  }
  friend bool operator==(const Widget&, const Widget&) = default;
};

TEST(RecordCodecTest, RoundTripsEveryFieldKind) {
  RecordWriter writer;
  writer.PutVarint(std::numeric_limits<uint64_t>::max());
  writer.PutSignedVarint(std::numeric_limits<int64_t>::min());
  writer.PutSignedVarint(-1);
  writer.PutBool(true);
  writer.PutDouble(-2.5);
  writer.PutString(std::string("x\0y", 3));
  RecordReader reader(writer.data());
  EXPECT_EQ(reader.GetVarint(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(reader.GetSignedVarint(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(reader.GetSignedVarint(), -1);
  EXPECT_TRUE(reader.GetBool());
  EXPECT_EQ(reader.GetDouble(), -2.5);
  EXPECT_EQ(reader.GetString(), std::string("x\0y", 3));
  EXPECT_TRUE(reader.AtEnd());
  EXPECT_OK(reader.status());
}

TEST(RecordCodecTest, VersionedRecordRoundTrips) {
  const Widget widget{.name = "w", .count = -12, .ratio = 0.25};
  ASSERT_OK_AND_ASSIGN(const Widget decoded, DecodeRecord<Widget>(EncodeRecord(widget)));
  EXPECT_EQ(decoded, widget);
}

TEST(RecordCodecTest, OlderVersionIsUpgradedOnRead) {
  RecordWriter v1;
  v1.PutVarint(1);
  v1.PutString("old");
  v1.PutSignedVarint(3);
  ASSERT_OK_AND_ASSIGN(const Widget decoded, DecodeRecord<Widget>(v1.data()));
  EXPECT_EQ(decoded, (Widget{.name = "old", .count = 3, .ratio = 1.0}));
}

TEST(RecordCodecTest, NewerVersionIsRefused) {
  RecordWriter v3;
  v3.PutVarint(3);
  v3.PutString("future");
  const Status status = DecodeRecord<Widget>(v3.data()).status();
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_EQ(status.message(), "record version 3 is not readable by this build (knows 1..2)");
}

TEST(RecordCodecTest, TruncationAndTrailingBytesAreCorruption) {
  const std::string bytes = EncodeRecord(Widget{.name = "abc", .count = 5, .ratio = 1});
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(DecodeRecord<Widget>(bytes.substr(0, cut)).status().code(), StatusCode::kCorruption)
        << "cut at " << cut;
  }
  EXPECT_EQ(DecodeRecord<Widget>(bytes + "x").status(),
            Status::Corruption("record has trailing bytes"));
}

TEST(RecordCodecTest, VarintOverflowingSixtyFourBitsIsCorruption) {
  const std::string bytes = std::string(9, '\xff') + '\x02';  // 10th byte carries bit 64
  RecordReader reader(bytes);
  reader.GetVarint();
  EXPECT_EQ(reader.status(), Status::Corruption("malformed record: varint overflows 64 bits"));
}

TEST(RecordCodecTest, OverlongVarintIsCorruption) {
  const std::string bytes(11, '\xff');  // the 10th byte still has the continuation bit
  RecordReader reader(bytes);
  reader.GetVarint();
  EXPECT_EQ(reader.status(), Status::Corruption("malformed record: varint overflows 64 bits"));
}

// Values are tagged; the tags are on disk (rows, catalog fill values) and never change.
TEST(RecordCodecTest, ValuesRoundTripWithStableTags) {
  const std::vector<Value> values = {
      Value::Null(),
      Value::Boolean(true),
      Value::Int32(-7),
      Value::Int64(std::numeric_limits<int64_t>::max()),
      Value::Double(0.25),
      {.kind = Value::Kind::kDecimal, .text = "12.50"},
      Value::Text("héllo"),
      Value::Json("[1]"),
      {.kind = Value::Kind::kBytes, .text = std::string("\0\xff", 2)},
      {.kind = Value::Kind::kTimestamp, .integer = -1},
      {.kind = Value::Kind::kDate, .integer = 20000},
      {.kind = Value::Kind::kTime, .integer = 1},
      {.kind = Value::Kind::kList, .children = {Value::Double(1.5), Value::Double(-2)}}};
  RecordWriter writer;
  for (const Value& value : values) {
    writer.PutValue(value);
  }
  RecordReader reader(writer.data());
  for (const Value& value : values) {
    const Value read = reader.GetValue();
    EXPECT_EQ(read.kind, value.kind);
    EXPECT_EQ(read.boolean, value.boolean);
    EXPECT_EQ(read.integer, value.integer);
    EXPECT_EQ(read.number, value.number);
    EXPECT_EQ(read.text, value.text);
    ASSERT_EQ(read.children.size(), value.children.size());
    for (size_t i = 0; i < value.children.size(); ++i) {
      EXPECT_EQ(read.children[i].number, value.children[i].number);
    }
  }
  EXPECT_OK(reader.status());
  EXPECT_TRUE(reader.AtEnd());

  RecordWriter pinned;
  pinned.PutValue(Value::Null());
  pinned.PutValue(Value::Int32(-1));
  pinned.PutValue(Value::Text("a"));
  EXPECT_EQ(pinned.data(), std::string("\x00\x02\x01\x06\x01"
                                       "a",
                                       6));
  RecordReader bad(std::string_view("\x0d", 1));
  bad.GetValue();
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace kalam::storage

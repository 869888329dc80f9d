#include "storage/record_codec.h"

#include <cstring>

namespace kalam::storage {
namespace {

// Value tags on disk. Stable: never renumber, only append.
enum class ValueTag : uint8_t {
  kNull = 0,
  kBoolean = 1,
  kInt32 = 2,
  kInt64 = 3,
  kDouble = 4,
  kDecimal = 5,
  kText = 6,
  kJson = 7,
  kBytes = 8,
  kTimestamp = 9,
  kDate = 10,
  kTime = 11,
  kFloatList = 12,
};

ValueTag TagOf(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return ValueTag::kNull;
    case Value::Kind::kBoolean:
      return ValueTag::kBoolean;
    case Value::Kind::kInt32:
      return ValueTag::kInt32;
    case Value::Kind::kInt64:
      return ValueTag::kInt64;
    case Value::Kind::kDouble:
      return ValueTag::kDouble;
    case Value::Kind::kDecimal:
      return ValueTag::kDecimal;
    case Value::Kind::kJson:
      return ValueTag::kJson;
    case Value::Kind::kBytes:
      return ValueTag::kBytes;
    case Value::Kind::kTimestamp:
      return ValueTag::kTimestamp;
    case Value::Kind::kDate:
      return ValueTag::kDate;
    case Value::Kind::kTime:
      return ValueTag::kTime;
    case Value::Kind::kList:
      return ValueTag::kFloatList;
    default:  // kText; kUInt64 and kStruct are never stored
      return ValueTag::kText;
  }
}

}  // namespace

void RecordWriter::PutVarint(uint64_t value) {
  while (value >= 0x80) {
    data_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  data_.push_back(static_cast<char>(value));
}

void RecordWriter::PutSignedVarint(int64_t value) {
  const auto bits = static_cast<uint64_t>(value);
  PutVarint((bits << 1) ^ (value < 0 ? ~uint64_t{0} : 0));  // zigzag
}

void RecordWriter::PutDouble(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  for (int i = 0; i < 8; ++i) {
    data_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
}

void RecordWriter::PutString(std::string_view value) {
  PutVarint(value.size());
  data_.append(value);
}

void RecordWriter::PutValue(const Value& value) {
  const ValueTag tag = TagOf(value.kind);
  PutVarint(static_cast<uint8_t>(tag));
  switch (tag) {
    case ValueTag::kNull:
      return;
    case ValueTag::kBoolean:
      PutBool(value.boolean);
      return;
    case ValueTag::kInt32:
    case ValueTag::kInt64:
    case ValueTag::kTimestamp:
    case ValueTag::kDate:
    case ValueTag::kTime:
      PutSignedVarint(value.integer);
      return;
    case ValueTag::kDouble:
      PutDouble(value.number);
      return;
    case ValueTag::kFloatList:
      PutVarint(value.children.size());
      for (const Value& child : value.children) {
        float element = static_cast<float>(child.number);
        uint32_t bits = 0;
        std::memcpy(&bits, &element, sizeof(bits));
        PutVarint(bits);
      }
      return;
    default:  // text-carrying kinds
      PutString(value.text);
  }
}

Value RecordReader::GetValue() {
  switch (GetEnum(ValueTag::kFloatList)) {
    case ValueTag::kNull:
      return Value::Null();
    case ValueTag::kBoolean:
      return Value::Boolean(GetBool());
    case ValueTag::kInt32:
      return Value::Int32(GetSignedVarint());
    case ValueTag::kInt64:
      return Value::Int64(GetSignedVarint());
    case ValueTag::kTimestamp:
      return {.kind = Value::Kind::kTimestamp, .integer = GetSignedVarint()};
    case ValueTag::kDate:
      return {.kind = Value::Kind::kDate, .integer = GetSignedVarint()};
    case ValueTag::kTime:
      return {.kind = Value::Kind::kTime, .integer = GetSignedVarint()};
    case ValueTag::kDouble:
      return Value::Double(GetDouble());
    case ValueTag::kDecimal:
      return {.kind = Value::Kind::kDecimal, .text = GetString()};
    case ValueTag::kText:
      return Value::Text(GetString());
    case ValueTag::kJson:
      return Value::Json(GetString());
    case ValueTag::kBytes:
      return {.kind = Value::Kind::kBytes, .text = GetString()};
    case ValueTag::kFloatList: {
      Value list{.kind = Value::Kind::kList};
      const uint64_t count = GetVarint();
      for (uint64_t i = 0; i < count && error_.empty(); ++i) {
        const auto bits = static_cast<uint32_t>(GetVarint());
        float element = 0;
        std::memcpy(&element, &bits, sizeof(element));
        list.children.push_back(Value::Double(element));
      }
      return list;
    }
  }
  return Value::Null();
}

void RecordReader::Fail(std::string_view what) {
  if (error_.empty()) error_ = std::string(what);
  rest_ = {};
}

uint64_t RecordReader::GetVarint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (rest_.empty()) {
      Fail("truncated varint");
      return 0;
    }
    const auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    if (shift == 63 && byte > 1) {
      Fail("varint overflows 64 bits");
      return 0;
    }
    value |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return 0;  // unreachable: the 10th byte either ends the varint or fails above
}

int64_t RecordReader::GetSignedVarint() {
  const uint64_t zigzag = GetVarint();
  return static_cast<int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
}

bool RecordReader::GetBool() {
  const uint64_t value = GetVarint();
  if (value > 1) Fail("boolean out of range");
  return value == 1;
}

double RecordReader::GetDouble() {
  if (rest_.size() < 8) {
    Fail("truncated double");
    return 0;
  }
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) {
    bits |= uint64_t{static_cast<uint8_t>(rest_[i])} << (8 * i);
  }
  rest_.remove_prefix(8);
  double value = 0;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

std::string RecordReader::GetString() {
  const uint64_t size = GetVarint();
  if (size > rest_.size()) {
    Fail("truncated string");
    return {};
  }
  std::string value(rest_.substr(0, size));
  rest_.remove_prefix(size);
  return value;
}

Status RecordReader::status() const {
  return error_.empty() ? Status() : Status::Corruption("malformed record: " + error_);
}

}  // namespace kalam::storage

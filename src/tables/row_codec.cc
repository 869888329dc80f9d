#include "tables/row_codec.h"

#include <cstring>

#include "storage/record_codec.h"

namespace kalam::tables {
namespace {

using storage::RecordReader;
using storage::RecordWriter;

// Value tags on disk. Stable: never renumber, only append.
enum class Tag : uint8_t {
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

void PutFloat(RecordWriter& out, float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  out.PutVarint(bits);
}

float GetFloat(RecordReader& in) {
  const auto bits = static_cast<uint32_t>(in.GetVarint());
  float value = 0;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

void PutCell(RecordWriter& out, const Value& value) {
  switch (value.kind) {
    case Value::Kind::kNull:
      out.PutVarint(static_cast<uint8_t>(Tag::kNull));
      return;
    case Value::Kind::kBoolean:
      out.PutVarint(static_cast<uint8_t>(Tag::kBoolean));
      out.PutBool(value.boolean);
      return;
    case Value::Kind::kInt32:
    case Value::Kind::kInt64:
    case Value::Kind::kTimestamp:
    case Value::Kind::kDate:
    case Value::Kind::kTime: {
      const Tag tag = value.kind == Value::Kind::kInt32       ? Tag::kInt32
                      : value.kind == Value::Kind::kInt64     ? Tag::kInt64
                      : value.kind == Value::Kind::kTimestamp ? Tag::kTimestamp
                      : value.kind == Value::Kind::kDate      ? Tag::kDate
                                                              : Tag::kTime;
      out.PutVarint(static_cast<uint8_t>(tag));
      out.PutSignedVarint(value.integer);
      return;
    }
    case Value::Kind::kDouble:
      out.PutVarint(static_cast<uint8_t>(Tag::kDouble));
      out.PutDouble(value.number);
      return;
    case Value::Kind::kList:
      out.PutVarint(static_cast<uint8_t>(Tag::kFloatList));
      out.PutVarint(value.children.size());
      for (const Value& child : value.children)
        PutFloat(out, static_cast<float>(child.number));
      return;
    default: {  // text-carrying kinds
      const Tag tag = value.kind == Value::Kind::kDecimal ? Tag::kDecimal
                      : value.kind == Value::Kind::kJson  ? Tag::kJson
                      : value.kind == Value::Kind::kBytes ? Tag::kBytes
                                                          : Tag::kText;
      out.PutVarint(static_cast<uint8_t>(tag));
      out.PutString(value.text);
    }
  }
}

Value GetCell(RecordReader& in) {
  const Tag tag = in.GetEnum(Tag::kFloatList);
  switch (tag) {
    case Tag::kNull:
      return Value::Null();
    case Tag::kBoolean:
      return Value::Boolean(in.GetBool());
    case Tag::kInt32:
      return Value::Int32(in.GetSignedVarint());
    case Tag::kInt64:
      return Value::Int64(in.GetSignedVarint());
    case Tag::kTimestamp:
      return {.kind = Value::Kind::kTimestamp, .integer = in.GetSignedVarint()};
    case Tag::kDate:
      return {.kind = Value::Kind::kDate, .integer = in.GetSignedVarint()};
    case Tag::kTime:
      return {.kind = Value::Kind::kTime, .integer = in.GetSignedVarint()};
    case Tag::kDouble:
      return Value::Double(in.GetDouble());
    case Tag::kDecimal:
      return {.kind = Value::Kind::kDecimal, .text = in.GetString()};
    case Tag::kText:
      return Value::Text(in.GetString());
    case Tag::kJson:
      return Value::Json(in.GetString());
    case Tag::kBytes:
      return {.kind = Value::Kind::kBytes, .text = in.GetString()};
    case Tag::kFloatList: {
      Value list{.kind = Value::Kind::kList};
      const uint64_t count = in.GetVarint();
      for (uint64_t i = 0; i < count && in.status().ok(); ++i) {
        list.children.push_back(Value::Double(GetFloat(in)));
      }
      return list;
    }
  }
  return Value::Null();
}

// Adapts a stored value to the reader's column type after a widening ALTER (SMALLINT →
// INT → BIGINT, FLOAT → DOUBLE, anything → TEXT).
Value Widen(Value value, const catalog::DataType& type) {
  using Kind = catalog::DataType::Kind;
  if (value.kind == Value::Kind::kNull) return value;
  if (type.kind == Kind::kBigInt && value.kind == Value::Kind::kInt32) {
    value.kind = Value::Kind::kInt64;
  } else if (type.kind == Kind::kText && value.kind != Value::Kind::kText) {
    switch (value.kind) {
      case Value::Kind::kInt32:
      case Value::Kind::kInt64:
        return Value::Text(std::to_string(value.integer));
      case Value::Kind::kBoolean:
        return Value::Text(value.boolean ? "true" : "false");
      case Value::Kind::kDouble:
        return Value::Text(std::to_string(value.number));
      default:
        return Value::Text(value.text);
    }
  }
  return value;
}

}  // namespace

std::string EncodeRow(std::span<const catalog::ColumnDefinition> columns,
                      std::span<const Value> values) {
  RecordWriter out;
  out.PutVarint(kRowFormatVersion);
  out.PutVarint(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    out.PutVarint(columns[i].column_id);
    PutCell(out, values[i]);
  }
  return out.Release();
}

Result<std::vector<Value>> DecodeRow(std::string_view bytes,
                                     std::span<const catalog::ColumnDefinition> columns) {
  RecordReader in(bytes);
  const uint64_t version = in.GetVarint();
  if (in.status().ok() && version != kRowFormatVersion) {
    return Status::Corruption("row format version " + std::to_string(version) +
                              " is not readable by this build");
  }
  std::vector<Value> row(columns.size());
  const uint64_t cells = in.GetVarint();
  for (uint64_t i = 0; i < cells && in.status().ok(); ++i) {
    const uint64_t column_id = in.GetVarint();
    Value value = GetCell(in);
    // Rows are written in schema order, so the cell's position usually names its column;
    // after an ALTER, fall back to a search. Cells of dropped columns match nothing.
    size_t c = i < columns.size() && columns[i].column_id == column_id ? i : columns.size();
    for (size_t j = 0; c == columns.size() && j < columns.size(); ++j) {
      if (columns[j].column_id == column_id) c = j;
    }
    if (c < columns.size()) row[c] = Widen(std::move(value), columns[c].type);
  }
  KALAM_RETURN_IF_ERROR(in.status());
  if (!in.AtEnd()) return Status::Corruption("row has trailing bytes");
  return row;
}

}  // namespace kalam::tables

#include "tables/row_codec.h"

#include <algorithm>

#include "storage/record_codec.h"

namespace kalam::tables {
namespace {

using storage::RecordReader;
using storage::RecordWriter;

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
    out.PutValue(values[i]);
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
  std::vector<bool> seen;  // which columns have a cell; empty while cell i is column i
  const uint64_t cells = in.GetVarint();
  for (uint64_t i = 0; i < cells && in.status().ok(); ++i) {
    const uint64_t column_id = in.GetVarint();
    Value value = in.GetValue();
    // Rows are written in schema order, so the cell's position usually names its column;
    // after an ALTER, fall back to a search. Cells of dropped columns match nothing.
    size_t c = i < columns.size() && columns[i].column_id == column_id ? i : columns.size();
    for (size_t j = 0; c == columns.size() && j < columns.size(); ++j) {
      if (columns[j].column_id == column_id) c = j;
    }
    if (c != i && seen.empty()) {
      seen.assign(columns.size(), false);
      std::fill_n(seen.begin(), std::min<uint64_t>(i, columns.size()), true);
    }
    if (c == columns.size()) continue;
    row[c] = Widen(std::move(value), columns[c].type);
    if (!seen.empty()) seen[c] = true;
  }
  // A column added after the row was written has no cell: it reads its fill value.
  if (!seen.empty() || cells < columns.size()) {
    for (size_t c = 0; c < columns.size(); ++c) {
      const bool has_cell = seen.empty() ? c < cells : seen[c];
      if (!has_cell && columns[c].fill_value.kind != Value::Kind::kNull) {
        row[c] = Widen(columns[c].fill_value, columns[c].type);
      }
    }
  }
  KALAM_RETURN_IF_ERROR(in.status());
  if (!in.AtEnd()) return Status::Corruption("row has trailing bytes");
  return row;
}

}  // namespace kalam::tables

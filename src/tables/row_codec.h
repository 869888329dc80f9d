#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/types.h"
#include "common/result.h"
#include "common/value.h"

namespace kalam::tables {

// The hot row format (value of a row version in user_rows / shared_rows / stream_rows):
//   u8 format version (1) | varint cell count |
//   per cell: varint column_id | u8 value tag | payload
// Cells are keyed by the column's stable id, so renames never mislabel data, dropped
// columns are skipped on read, and a column added later reads its fill value (the DEFAULT
// ADD COLUMN evaluated once; NULL without one) in the rows written before it.
inline constexpr uint8_t kRowFormatVersion = 1;

// Encodes `values` (one per column, same order, already coerced to the column types).
// REQUIRES: values.size() == columns.size(); each value's kind matches its column type
// (as produced by CoerceValue) or is NULL.
std::string EncodeRow(std::span<const catalog::ColumnDefinition> columns,
                      std::span<const Value> values);

// Decodes a stored row into one value per column of `columns` (the schema the reader
// uses). kCorruption for damaged bytes or an unknown format version.
Result<std::vector<Value>> DecodeRow(std::string_view bytes,
                                     std::span<const catalog::ColumnDefinition> columns);

}  // namespace kalam::tables

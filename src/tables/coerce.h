#pragma once

#include <string>
#include <string_view>

#include "catalog/types.h"
#include "common/result.h"
#include "common/value.h"

namespace kalam::tables {

// Converts a literal (as written in SQL or sent as a JSON parameter) to the value stored
// for a column of `type`, or explains why it cannot be:
//   BOOLEAN     true/false, 'true'/'false'/'1'/'0'
//   integers    whole numbers in range (numbers or digit strings)
//   FLOAT/DOUBLE numbers or numeric strings
//   DECIMAL(p,s) exact; rounding never happens silently: more than s fraction digits is an error
//   TEXT        strings (numbers and booleans as their text); VARCHAR(n) at most n characters
//   JSON        strings holding valid JSON
//   UUID        canonical 8-4-4-4-12 hex strings (stored lower case)
//   BYTES       strings (their bytes)
//   DATE        'YYYY-MM-DD'; TIME 'HH:MM:SS[.ffffff]'
//   TIMESTAMP/DATETIME ISO-8601 'YYYY-MM-DD[T| ]HH:MM:SS[.ffffff][Z|±HH:MM]', stored as UTC µs
//   EMBEDDING(n) a JSON array string or a list of exactly n numbers
// NULL passes through (NOT NULL is checked by the write path). Errors are kInvalidArgument
// naming `column`.
Result<Value> CoerceValue(const catalog::DataType& type, const Value& literal,
                          std::string_view column);

// The number of characters (Unicode code points) of UTF-8 text: what VARCHAR(n) limits.
size_t CharacterLength(std::string_view utf8);

// Whether a stored value satisfies its column's constraints: NOT NULL, and the VARCHAR(n)
// length. The commit point checks every row with it; ALTER checks stored rows against a
// stricter column. kInvalidArgument names the column ("column 'c' cannot be NULL").
Status CheckColumnValue(const catalog::ColumnDefinition& column, const Value& value);

// Parses ISO-8601 into UTC microseconds (exposed for DEFAULT NOW() and tests).
Result<int64_t> ParseTimestampMicros(std::string_view text);

// The inverses, as the public API writes them: "2026-11-22T10:00:00.123456Z",
// "2026-11-22", "10:00:00.123456".
std::string FormatTimestampMicros(int64_t micros);
std::string FormatDate(int64_t days);
std::string FormatTime(int64_t micros);

}  // namespace kalam::tables

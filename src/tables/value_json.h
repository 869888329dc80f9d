#pragma once

#include <string>
#include <string_view>

#include "common/value.h"

namespace kalam::tables {

// The API's encoding of a value in JSON, the same over HTTP and WebSocket: BIGINT, UBIGINT
// and DECIMAL as strings (Snowflake ids exceed 2^53), other numbers as numbers, NaN and
// infinities as strings, TIMESTAMP as ISO-8601 UTC with microseconds, DATE and TIME as
// text, JSON embedded, BYTES as base64, lists and structs as arrays and objects.
void AppendJsonValue(std::string& out, const Value& value);
// Appends `text` as a JSON string literal.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace kalam::tables

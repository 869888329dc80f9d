#pragma once

// Internal to engine/: conversions between DuckDB vectors and our Values.
#include <string>

#include "common/result.h"
#include "common/value.h"
#include "duckdb.h"

namespace kalam::engine {

// A logical type for one of the names system tables use (VARCHAR, INTEGER, BIGINT,
// BOOLEAN, TIMESTAMP, DOUBLE, JSON). The caller destroys it.
duckdb_logical_type LogicalTypeFromName(const std::string& name);

// The name of `type` in result schemas (BIGINT, TEXT, DECIMAL(10,2), INT[], …), or "" if
// the API cannot return it. Destroys `type`.
std::string ResultTypeName(duckdb_logical_type type);

// Writes `value` into row `row` of an output vector of the matching type.
void WriteCell(duckdb_vector vector, idx_t row, const Value& value);

// Writes `value` into row `row` of a vector whose logical type is `type` (any type a
// table column can have: integers, floats, DECIMAL, text, JSON, BLOB, UUID, DATE, TIME,
// TIMESTAMP, FLOAT[n]). Values come from the row codec, already of the column's type.
void WriteTypedCell(duckdb_vector vector, duckdb_logical_type type, idx_t row, const Value& value);

// Streams every row of a successful result to `sink`. An error raised while producing
// chunks (streaming results) is returned after the rows sent so far. kInvalidArgument if a column
// has a type the public API cannot encode (named in the message). Stops at the first row the
// sink has no room for (ResultSink::CheckRoom, asked before text is copied) or after which it
// stops (ResultSink::Stopped), returning the sink's status.
Status StreamResult(duckdb_result* result, ResultSink& sink);

}  // namespace kalam::engine

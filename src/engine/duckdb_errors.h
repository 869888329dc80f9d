#pragma once

#include <string_view>

#include "common/status.h"
#include "duckdb.h"

namespace kalam::engine {

// The one translation of DuckDB's errors into ours. Messages speak of the user's SQL:
// DuckDB's "LINE 1: …" excerpt with its caret (which shows the rewritten query and its
// internal scans) and its "Binder Error: " style prefixes are removed. Codes: permission,
// memory, interrupt, I/O and internal errors by their kind; an unknown column
// kColumnNotFound; conversions, type mismatches and functions without a matching overload
// kTypeMismatch; every other parse or bind error is the caller's mistake
// (kInvalidArgument).
Status StatusFromDuckDbError(duckdb_error_type type, std::string_view message);

// The same for a failed prepare, which the C API reports by message only: the kind is read
// from the message's prefix ("Binder Error: …").
Status StatusFromDuckDbMessage(std::string_view message);

}  // namespace kalam::engine

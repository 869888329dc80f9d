#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/value.h"

namespace kalam::api {

// The body of POST /v1/api/sql.
struct SqlRequest {
  std::string sql;
  std::vector<Value> params;  // $1, $2, …
  std::optional<std::string> namespace_id;
};

// What ParseSqlRequest may hold in memory ([limits]).
struct SqlBodyLimits {
  size_t max_sql_length = 1 << 20;
  size_t max_params = 1000;
  size_t max_param_bytes = 1 << 20;
};

// Why a body was refused: the HTTP status, error code and message to answer with.
struct BodyError {
  int http_status = 400;
  std::string code;
  std::string message;
};

// JSON bodies nest at most this deep (the top-level object is level 1).
inline constexpr size_t kMaxBodyDepth = 32;

// Parses {"sql": "...", "params": [...]?, "namespace_id": "..."?} in one pass, refusing as
// soon as a limit is crossed (the max_params+1-th parameter, a parameter over
// max_param_bytes, sql over max_sql_length, nesting over kMaxBodyDepth), so the memory it
// uses is bounded by the limits, not by the body. A parameter is a JSON scalar, an object
// (bound as JSON text) or an array whose elements are all of one kind (numbers, strings,
// booleans, objects, or arrays of one kind, recursively; null anywhere). Unknown keys are
// ignored; a known key given twice is refused. Never throws.
std::variant<SqlRequest, BodyError> ParseSqlRequest(std::string_view body,
                                                    const SqlBodyLimits& limits);

}  // namespace kalam::api

#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "common/status.h"

namespace kalam::api {

// Milliseconds since the request was received, for the envelope's "took".
double TookMillis(std::chrono::steady_clock::time_point received_at);

// Adds "took":<ms with 3 decimals> to a serialized JSON object (fixed notation, which
// Boost.JSON's double formatting does not give).
std::string AppendTook(std::string json_object, std::chrono::steady_clock::time_point received_at);

// The error envelope of the public API:
// {"status":"error","error":{"code":…,"message":…},"results":[],"took":<ms>}
HttpResponse ErrorResponse(std::chrono::steady_clock::time_point received_at, int http_status,
                           std::string_view code, std::string_view message);
inline HttpResponse ErrorResponse(const HttpRequest& request, int http_status,
                                  std::string_view code, std::string_view message) {
  return ErrorResponse(request.received_at, http_status, code, message);
}

// The envelope for a non-OK status, with the HTTP status and code of status_mapping.h.
HttpResponse ErrorResponse(const HttpRequest& request, const Status& status);

}  // namespace kalam::api

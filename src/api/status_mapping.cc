#include "api/status_mapping.h"

#include <algorithm>
#include <array>

namespace kalam::api {
namespace {

struct Mapping {
  StatusCode code;
  int http_status;
  std::string_view error_code;
};

// Every error kind, its HTTP status and the code clients see; docs/api.md documents each.
// A missing table, namespace or column is a mistake in the request (400), not an unknown
// route (404 is reserved for routes).
constexpr std::array kMappings = {
    Mapping{StatusCode::kOk, 200, "OK"},
    Mapping{StatusCode::kNotFound, 404, "NOT_FOUND"},
    Mapping{StatusCode::kAlreadyExists, 409, "ALREADY_EXISTS"},
    Mapping{StatusCode::kInvalidArgument, 400, "INVALID_ARGUMENT"},
    Mapping{StatusCode::kSyntaxError, 400, "SYNTAX_ERROR"},
    Mapping{StatusCode::kTableNotFound, 400, "TABLE_NOT_FOUND"},
    Mapping{StatusCode::kNamespaceNotFound, 400, "NAMESPACE_NOT_FOUND"},
    Mapping{StatusCode::kColumnNotFound, 400, "COLUMN_NOT_FOUND"},
    Mapping{StatusCode::kTypeMismatch, 400, "TYPE_MISMATCH"},
    Mapping{StatusCode::kNotNullViolation, 400, "NOT_NULL_VIOLATION"},
    Mapping{StatusCode::kDuplicateKey, 409, "DUPLICATE_KEY"},
    Mapping{StatusCode::kUnsupportedQuery, 400, "UNSUPPORTED_QUERY"},
    Mapping{StatusCode::kResumeUnavailable, 410, "RESUME_UNAVAILABLE"},
    Mapping{StatusCode::kSubscriptionLimitExceeded, 429, "SUBSCRIPTION_LIMIT_EXCEEDED"},
    Mapping{StatusCode::kUnauthenticated, 401, "AUTHENTICATION_ERROR"},
    Mapping{StatusCode::kPermissionDenied, 403, "PERMISSION_DENIED"},
    Mapping{StatusCode::kConflict, 409, "CONFLICT"},
    Mapping{StatusCode::kIdempotentConflict, 409, "IDEMPOTENT_CONFLICT"},
    Mapping{StatusCode::kResourceExhausted, 429, "RESOURCE_EXHAUSTED"},
    Mapping{StatusCode::kUnavailable, 503, "UNAVAILABLE"},
    Mapping{StatusCode::kDeadlineExceeded, 408, "STATEMENT_TIMEOUT"},
    Mapping{StatusCode::kLimitExceeded, 413, "LIMIT_EXCEEDED"},
    Mapping{StatusCode::kIOError, 500, "INTERNAL_ERROR"},
    Mapping{StatusCode::kCorruption, 500, "INTERNAL_ERROR"},
    Mapping{StatusCode::kInternal, 500, "INTERNAL_ERROR"},
};

constexpr Mapping kUnknown{StatusCode::kInternal, 500, "INTERNAL_ERROR"};

const Mapping& MappingFor(StatusCode code) {
  for (const Mapping& mapping : kMappings) {
    if (mapping.code == code) return mapping;
  }
  return kUnknown;
}

}  // namespace

int HttpStatusFor(StatusCode code) {
  return MappingFor(code).http_status;
}

std::string_view ErrorCodeFor(StatusCode code) {
  return MappingFor(code).error_code;
}

std::vector<std::string_view> AllErrorCodes() {
  std::vector<std::string_view> codes;
  for (const Mapping& mapping : kMappings) {
    const bool seen = std::find(codes.begin(), codes.end(), mapping.error_code) != codes.end();
    if (mapping.code != StatusCode::kOk && !seen) codes.push_back(mapping.error_code);
  }
  return codes;
}

}  // namespace kalam::api

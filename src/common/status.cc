#include "common/status.h"

#include "common/check.h"

namespace kalam {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kSyntaxError:
      return "SyntaxError";
    case StatusCode::kTableNotFound:
      return "TableNotFound";
    case StatusCode::kNamespaceNotFound:
      return "NamespaceNotFound";
    case StatusCode::kColumnNotFound:
      return "ColumnNotFound";
    case StatusCode::kTypeMismatch:
      return "TypeMismatch";
    case StatusCode::kNotNullViolation:
      return "NotNullViolation";
    case StatusCode::kDuplicateKey:
      return "DuplicateKey";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kConflict:
      return "Conflict";
    case StatusCode::kIdempotentConflict:
      return "IdempotentConflict";
    case StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case StatusCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case StatusCode::kUnsupportedQuery:
      return "UnsupportedQuery";
    case StatusCode::kResumeUnavailable:
      return "ResumeUnavailable";
    case StatusCode::kSubscriptionLimitExceeded:
      return "SubscriptionLimitExceeded";
    case StatusCode::kLimitExceeded:
      return "LimitExceeded";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string message)
    : rep_(std::make_shared<const Rep>(Rep{code, std::move(message)})) {
  KALAM_CHECK(code != StatusCode::kOk, "an error Status needs a non-OK code");
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string text;
  text.reserve(context.size() + 2 + rep_->message.size());
  text.append(context).append(": ").append(rep_->message);
  return {rep_->code, std::move(text)};
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string text(StatusCodeName(rep_->code));
  return text.append(": ").append(rep_->message);
}

}  // namespace kalam

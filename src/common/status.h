#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kalam {

// The closed set of error kinds. api/status_mapping.cc maps each to an HTTP status.
enum class StatusCode : uint8_t {
  kOk,
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,
  // Specific kinds of invalid SQL, so that a client can act on them (docs/api.md).
  kSyntaxError,    // the text does not parse; the message names the position
  kTableNotFound,  // tables and views; the message suggests a near name if one exists
  kNamespaceNotFound,
  kColumnNotFound,
  kTypeMismatch,       // a value or expression has the wrong type for where it is used
  kNotNullViolation,   // NULL given for a NOT NULL column
  kDuplicateKey,       // the primary key is already taken
  kUnsupportedQuery,   // valid SQL outside what a live query can follow; names the construct
  kResumeUnavailable,  // the change history a live query asked to resume from is gone
  kSubscriptionLimitExceeded,  // a connection or user holds the most live queries allowed
  kUnauthenticated,
  kPermissionDenied,
  kConflict,
  kIdempotentConflict,  // an active job already holds the idempotency key
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,  // a statement ran past its deadline and was interrupted
  kLimitExceeded,     // a request or statement is larger than a configured limit
  kIOError,
  kCorruption,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// The outcome of an operation that produces no value. OK is a null pointer, so the
// success path never allocates. Immutable after construction; copies are cheap.
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status IdempotentConflict(std::string message) {
    return {StatusCode::kIdempotentConflict, std::move(message)};
  }
  static Status NotFound(std::string message) {
    return {StatusCode::kNotFound, std::move(message)};
  }
  static Status AlreadyExists(std::string message) {
    return {StatusCode::kAlreadyExists, std::move(message)};
  }
  static Status InvalidArgument(std::string message) {
    return {StatusCode::kInvalidArgument, std::move(message)};
  }
  static Status SyntaxError(std::string message) {
    return {StatusCode::kSyntaxError, std::move(message)};
  }
  static Status TableNotFound(std::string message) {
    return {StatusCode::kTableNotFound, std::move(message)};
  }
  static Status NamespaceNotFound(std::string message) {
    return {StatusCode::kNamespaceNotFound, std::move(message)};
  }
  static Status ColumnNotFound(std::string message) {
    return {StatusCode::kColumnNotFound, std::move(message)};
  }
  static Status TypeMismatch(std::string message) {
    return {StatusCode::kTypeMismatch, std::move(message)};
  }
  static Status NotNullViolation(std::string message) {
    return {StatusCode::kNotNullViolation, std::move(message)};
  }
  static Status DuplicateKey(std::string message) {
    return {StatusCode::kDuplicateKey, std::move(message)};
  }
  static Status UnsupportedQuery(std::string message) {
    return {StatusCode::kUnsupportedQuery, std::move(message)};
  }
  static Status ResumeUnavailable(std::string message) {
    return {StatusCode::kResumeUnavailable, std::move(message)};
  }
  static Status SubscriptionLimitExceeded(std::string message) {
    return {StatusCode::kSubscriptionLimitExceeded, std::move(message)};
  }
  static Status Unauthenticated(std::string message) {
    return {StatusCode::kUnauthenticated, std::move(message)};
  }
  static Status PermissionDenied(std::string message) {
    return {StatusCode::kPermissionDenied, std::move(message)};
  }
  static Status Conflict(std::string message) {
    return {StatusCode::kConflict, std::move(message)};
  }
  static Status ResourceExhausted(std::string message) {
    return {StatusCode::kResourceExhausted, std::move(message)};
  }
  static Status Unavailable(std::string message) {
    return {StatusCode::kUnavailable, std::move(message)};
  }
  static Status DeadlineExceeded(std::string message) {
    return {StatusCode::kDeadlineExceeded, std::move(message)};
  }
  static Status LimitExceeded(std::string message) {
    return {StatusCode::kLimitExceeded, std::move(message)};
  }
  static Status IOError(std::string message) { return {StatusCode::kIOError, std::move(message)}; }
  static Status Corruption(std::string message) {
    return {StatusCode::kCorruption, std::move(message)};
  }
  static Status Internal(std::string message) {
    return {StatusCode::kInternal, std::move(message)};
  }
  // REQUIRES: code != kOk.
  static Status FromCode(StatusCode code, std::string message) {
    return {code, std::move(message)};
  }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : rep_->code; }
  std::string_view message() const { return ok() ? std::string_view() : rep_->message; }

  // Returns this status with "context: " prepended, e.g. "flush app.messages: disk full".
  // An OK status stays OK.
  Status WithContext(std::string_view context) const;

  // "OK" or "<CodeName>: <message>", for logs and test failure output.
  std::string ToString() const;

  // Marks a deliberately ignored error; keeps every swallowed error greppable.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  Status(StatusCode code, std::string message);

  std::shared_ptr<const Rep> rep_;  // null when OK
};

}  // namespace kalam

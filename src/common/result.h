#pragma once

#include <utility>
#include <variant>

#include "common/check.h"
#include "common/status.h"

namespace kalam {

// Either a T or a non-OK Status (the shape of absl::StatusOr). The API is a subset of
// std::expected so it can become an alias when the project moves to C++23.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<1>, std::move(value)) {}  // NOLINT
  // REQUIRES: !status.ok().
  Result(Status status) : state_(std::in_place_index<0>, std::move(status)) {  // NOLINT
    KALAM_CHECK(!std::get<0>(state_).ok(), "a Result cannot hold an OK Status");
  }

  bool ok() const { return state_.index() == 1; }
  explicit operator bool() const { return ok(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<0>(state_); }

  // REQUIRES: ok(). Aborts otherwise (a programming error, not a user error).
  const T& value() const& { return std::get<1>(CheckedState()); }
  T& value() & { return std::get<1>(CheckedState()); }
  T&& value() && { return std::get<1>(std::move(CheckedState())); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  const std::variant<Status, T>& CheckedState() const {
    KALAM_CHECK(ok(), "value() on an error Result: {}", std::get<0>(state_).ToString());
    return state_;
  }
  std::variant<Status, T>& CheckedState() {
    KALAM_CHECK(ok(), "value() on an error Result: {}", std::get<0>(state_).ToString());
    return state_;
  }

  std::variant<Status, T> state_;
};

namespace internal {
inline Status ToStatus(const Status& status) {
  return status;
}
template <typename T>
Status ToStatus(const Result<T>& result) {
  return result.status();
}
}  // namespace internal

}  // namespace kalam

#define KALAM_CONCAT_INNER(a, b) a##b
#define KALAM_CONCAT(a, b) KALAM_CONCAT_INNER(a, b)

// Returns the Status of `expr` (a Status or a Result) from the enclosing function if it
// is not OK.
#define KALAM_RETURN_IF_ERROR(expr) \
  KALAM_RETURN_IF_ERROR_IMPL(KALAM_CONCAT(kalam_status_, __COUNTER__), expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `status` is a variable name, not an expression.
// The variable name is unique per expansion so that nested uses (in a lambda passed to an
// outer use) do not shadow each other.
#define KALAM_RETURN_IF_ERROR_IMPL(status, expr)                \
  do {                                                          \
    ::kalam::Status status = ::kalam::internal::ToStatus(expr); \
    if (!status.ok()) [[unlikely]]                              \
      return status;                                            \
  } while (false)

// KALAM_ASSIGN_OR_RETURN(auto x, ResultExpr()) declares/assigns the value of a Result,
// or returns its error Status from the enclosing function.
#define KALAM_ASSIGN_OR_RETURN(lhs, expr) \
  KALAM_ASSIGN_OR_RETURN_IMPL(KALAM_CONCAT(kalam_result_, __COUNTER__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration such as `auto x`.
#define KALAM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) [[unlikely]]                       \
    return tmp.status();                            \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/result.h"

namespace kalam::testing {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Reads a whole file; empty if it does not exist.
std::string ReadFileOrEmpty(const std::filesystem::path& path);

inline Status AsStatus(const Status& status) {
  return status;
}
template <typename T>
Status AsStatus(const Result<T>& result) {
  return result.status();
}

}  // namespace kalam::testing

namespace kalam {
// Lets GoogleTest print a Status as "Code: message" in failed expectations.
inline void PrintTo(const Status& status, std::ostream* out) {
  *out << status.ToString();
}
}  // namespace kalam

#define ASSERT_OK(expr)                                                 \
  do {                                                                  \
    const ::kalam::Status kalam_s_ = ::kalam::testing::AsStatus(expr);  \
    ASSERT_TRUE(kalam_s_.ok()) << #expr << ": " << kalam_s_.ToString(); \
  } while (false)

#define EXPECT_OK(expr)                                                 \
  do {                                                                  \
    const ::kalam::Status kalam_s_ = ::kalam::testing::AsStatus(expr);  \
    EXPECT_TRUE(kalam_s_.ok()) << #expr << ": " << kalam_s_.ToString(); \
  } while (false)

// ASSERT_OK_AND_ASSIGN(auto value, ResultExpr()): fails the test on an error Result.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(KALAM_CONCAT(kalam_test_result_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration such as `auto x`.
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)                    \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

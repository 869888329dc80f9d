#include "common/status.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/result.h"
#include "tests/testing/test_util.h"

namespace kalam {
namespace {

TEST(StatusTest, DefaultIsOkWithEmptyMessage) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  EXPECT_EQ(Status::NotFound("x").code(), StatusCode::kNotFound);
  EXPECT_EQ(Status::AlreadyExists("x").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Status::InvalidArgument("x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Status::Unauthenticated("x").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Status::PermissionDenied("x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Status::Conflict("x").code(), StatusCode::kConflict);
  EXPECT_EQ(Status::ResourceExhausted("x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Status::Unavailable("x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Status::IOError("x").code(), StatusCode::kIOError);
  EXPECT_EQ(Status::Corruption("x").code(), StatusCode::kCorruption);
  const Status internal = Status::Internal("disk on fire");
  EXPECT_FALSE(internal.ok());
  EXPECT_EQ(internal.code(), StatusCode::kInternal);
  EXPECT_EQ(internal.message(), "disk on fire");
  EXPECT_EQ(internal.ToString(), "Internal: disk on fire");
}

TEST(StatusTest, WithContextPrependsAndKeepsCode) {
  const Status status = Status::IOError("disk full").WithContext("flush app.messages");
  EXPECT_EQ(status.code(), StatusCode::kIOError);
  EXPECT_EQ(status.message(), "flush app.messages: disk full");
  EXPECT_TRUE(Status().WithContext("anything").ok());
}

TEST(StatusTest, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(Status::NotFound("a"), Status::NotFound("a"));
  EXPECT_NE(Status::NotFound("a"), Status::NotFound("b"));
  EXPECT_NE(Status::NotFound("a"), Status::Conflict("a"));
  EXPECT_EQ(Status(), Status());
}

TEST(StatusDeathTest, ErrorStatusWithOkCodeAborts) {
  EXPECT_DEATH(Status::FromCode(StatusCode::kOk, "x").IgnoreError(), "non-OK code");
}

TEST(ResultTest, HoldsValue) {
  Result<std::string> result(std::string("hello"));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(*result, "hello");
  EXPECT_EQ(result->size(), 5u);
}

TEST(ResultTest, HoldsError) {
  Result<int> result(Status::NotFound("no table t"));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status(), Status::NotFound("no table t"));
}

TEST(ResultTest, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(7));
  std::unique_ptr<int> value = std::move(result).value();
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 7);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> result(Status::Internal("boom"));
  EXPECT_DEATH((void)result.value(), "value\\(\\) on an error Result: Internal: boom");
}

TEST(ResultDeathTest, OkStatusIsNotAnError) {
  EXPECT_DEATH((void)Result<int>{Status()}, "cannot hold an OK Status");
}

Result<int> ParsePositive(int x) {
  if (x <= 0) return Status::InvalidArgument("not positive: " + std::to_string(x));
  return x;
}

Result<int> DoubleIt(int x) {
  KALAM_ASSIGN_OR_RETURN(const int parsed, ParsePositive(x));
  return parsed * 2;
}

Status CheckBoth(int a, int b) {
  KALAM_RETURN_IF_ERROR(ParsePositive(a));
  KALAM_RETURN_IF_ERROR(ParsePositive(b).status().WithContext("second"));
  return Status();
}

TEST(ResultMacrosTest, AssignOrReturnPropagatesErrorsAndValues) {
  ASSERT_OK_AND_ASSIGN(const int doubled, DoubleIt(21));
  EXPECT_EQ(doubled, 42);
  EXPECT_EQ(DoubleIt(-1).status(), Status::InvalidArgument("not positive: -1"));
}

TEST(ResultMacrosTest, ReturnIfErrorStopsAtFirstError) {
  EXPECT_OK(CheckBoth(1, 2));
  EXPECT_EQ(CheckBoth(0, -5), Status::InvalidArgument("not positive: 0"));
  EXPECT_EQ(CheckBoth(1, -5), Status::InvalidArgument("second: not positive: -5"));
}

}  // namespace
}  // namespace kalam

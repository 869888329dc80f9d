#include "api/status_mapping.h"

#include <gtest/gtest.h>

namespace kalam::api {
namespace {

TEST(StatusMappingTest, EveryCodeHasTheDocumentedHttpStatus) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDeadlineExceeded), 408);
  EXPECT_EQ(HttpStatusFor(StatusCode::kLimitExceeded), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIOError), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCorruption), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  EXPECT_EQ(ErrorCodeFor(StatusCode::kConflict), "CONFLICT");
  EXPECT_EQ(ErrorCodeFor(StatusCode::kCorruption), "INTERNAL_ERROR");
  EXPECT_EQ(ErrorCodeFor(StatusCode::kDeadlineExceeded), "STATEMENT_TIMEOUT");
  EXPECT_EQ(ErrorCodeFor(StatusCode::kLimitExceeded), "LIMIT_EXCEEDED");
}

}  // namespace
}  // namespace kalam::api

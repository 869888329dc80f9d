#include "api/status_mapping.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "auth/auth_error.h"

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

TEST(StatusMappingTest, SpecificSqlErrorsHaveTheirOwnCodes) {
  EXPECT_EQ(ErrorCodeFor(StatusCode::kSyntaxError), "SYNTAX_ERROR");
  EXPECT_EQ(ErrorCodeFor(StatusCode::kTableNotFound), "TABLE_NOT_FOUND");
  EXPECT_EQ(ErrorCodeFor(StatusCode::kColumnNotFound), "COLUMN_NOT_FOUND");
  EXPECT_EQ(ErrorCodeFor(StatusCode::kTypeMismatch), "TYPE_MISMATCH");
  EXPECT_EQ(HttpStatusFor(StatusCode::kTableNotFound), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDuplicateKey), 409);
}

// docs/api.md is the contract clients are built on: every code the server can send is in it.
TEST(StatusMappingTest, EveryErrorCodeIsDocumented) {
  std::ifstream file(KALAM_API_DOC);
  ASSERT_TRUE(file.good()) << KALAM_API_DOC;
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  std::vector<std::string_view> codes = AllErrorCodes();
  for (const auth::AuthErrorCode code :
       {auth::AuthErrorCode::kMissingAuthorization, auth::AuthErrorCode::kMalformedAuthorization,
        auth::AuthErrorCode::kInvalidCredentials, auth::AuthErrorCode::kTokenExpired,
        auth::AuthErrorCode::kInvalidSignature, auth::AuthErrorCode::kUntrustedIssuer,
        auth::AuthErrorCode::kMissingClaim, auth::AuthErrorCode::kInvalidToken,
        auth::AuthErrorCode::kRemoteAccessDenied, auth::AuthErrorCode::kTooManyFailedLogins}) {
    codes.push_back(auth::AuthErrorCodeName(code));
  }
  for (const std::string_view code : codes) {
    EXPECT_NE(doc.find("| `" + std::string(code) + "` |"), std::string::npos)
        << code << " is not in docs/api.md";
  }
}

}  // namespace
}  // namespace kalam::api

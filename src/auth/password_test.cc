#include "auth/password.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kalam::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr HashCost kFast{.ops_limit = 1, .mem_limit_bytes = 8u << 10};

TEST(PasswordTest, HashesWithArgon2idAndVerifies) {
  const Result<std::string> hash = HashPassword("correct horse", kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_THAT(*hash, StartsWith("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
  EXPECT_NE(*HashPassword("correct horse", kFast), *hash);  // a fresh salt every time
}

TEST(PasswordTest, MalformedOrEmptyHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", ""));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "x"));
  EXPECT_FALSE(VerifyPassword(std::string(1000, 'a'), "x"));
}

TEST(PasswordTest, PolicyRefusesShortLongCommonAndSimplePasswords) {
  PasswordPolicy policy;
  EXPECT_TRUE(CheckPasswordPolicy(policy, "a-Fine-pass").ok());
  EXPECT_THAT(CheckPasswordPolicy(policy, "short").message(), HasSubstr("at least 8"));
  EXPECT_THAT(CheckPasswordPolicy(policy, std::string(257, 'x')).message(),
              HasSubstr("at most 256"));
  EXPECT_THAT(CheckPasswordPolicy(policy, "PassWord123").message(), HasSubstr("too common"));
  policy.require_complexity = true;
  EXPECT_THAT(CheckPasswordPolicy(policy, "alllowercase1").message(), HasSubstr("upper-case"));
  EXPECT_TRUE(CheckPasswordPolicy(policy, "Upper-lower-1").ok());
  policy.refuse_common = false;
  policy.require_complexity = false;
  EXPECT_TRUE(CheckPasswordPolicy(policy, "password").ok());
}

}  // namespace
}  // namespace kalam::auth

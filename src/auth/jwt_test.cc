#include "auth/jwt.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/base64.h"

namespace kalam::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000;

JwtCodec Codec() {
  return JwtCodec(std::string(32, 's'), "kalamdb", {"partner"}, 30);
}

TokenClaims Claims() {
  return {.subject = "u_1",
          .issuer = "kalamdb",
          .username = "alice",
          .role = "user",
          .issued_at = kNow,
          .expires_at = kNow + 60};
}

AuthErrorCode ErrorOf(const AuthResult<TokenClaims>& result) {
  const auto* error = std::get_if<AuthError>(&result);
  return error == nullptr ? AuthErrorCode::kMissingAuthorization : error->code;
}

std::string Segment(std::string_view json) {
  return Base64Encode(json, Base64Alphabet::kUrlUnpadded);
}

TEST(JwtTest, SignedTokensVerifyWithEveryClaim) {
  TokenClaims claims = Claims();
  claims.type = TokenType::kRefresh;
  claims.token_id = "abc";
  const auto verified = Codec().Verify(Codec().Sign(claims), kNow);
  ASSERT_TRUE(std::holds_alternative<TokenClaims>(verified));
  const TokenClaims& got = std::get<TokenClaims>(verified);
  EXPECT_EQ(got.subject, "u_1");
  EXPECT_EQ(got.username, "alice");
  EXPECT_EQ(got.role, "user");
  EXPECT_EQ(got.type, TokenType::kRefresh);
  EXPECT_EQ(got.token_id, "abc");
  EXPECT_EQ(got.expires_at, kNow + 60);
}

TEST(JwtTest, ExpiryHonoursTheLeeway) {
  const std::string token = Codec().Sign(Claims());
  EXPECT_TRUE(std::holds_alternative<TokenClaims>(Codec().Verify(token, kNow + 60 + 30)));
  EXPECT_EQ(ErrorOf(Codec().Verify(token, kNow + 60 + 31)), AuthErrorCode::kTokenExpired);
}

TEST(JwtTest, TamperedTokensAndOtherSecretsFailTheSignature) {
  const std::string token = Codec().Sign(Claims());
  const size_t dot = token.find('.');
  std::string forged_payload =
      R"({"iss":"kalamdb","sub":"root","role":"system","exp":)" + std::to_string(kNow + 60) + "}";
  const std::string tampered =
      token.substr(0, dot) + "." + Segment(forged_payload) + token.substr(token.rfind('.'));
  EXPECT_EQ(ErrorOf(Codec().Verify(tampered, kNow)), AuthErrorCode::kInvalidSignature);
  const JwtCodec other(std::string(32, 'x'), "kalamdb", {}, 30);
  EXPECT_EQ(ErrorOf(other.Verify(token, kNow)), AuthErrorCode::kInvalidSignature);
}

TEST(JwtTest, AlgorithmIsPinnedToHs256) {
  const std::string payload =
      Segment(R"({"iss":"kalamdb","sub":"root","exp":)" + std::to_string(kNow + 60) + "}");
  EXPECT_EQ(ErrorOf(Codec().Verify(Segment(R"({"alg":"none"})") + "." + payload + ".", kNow)),
            AuthErrorCode::kInvalidSignature);
  EXPECT_EQ(ErrorOf(Codec().Verify(Segment(R"({"alg":"RS256"})") + "." + payload + ".c2ln", kNow)),
            AuthErrorCode::kInvalidSignature);
}

TEST(JwtTest, IssuerMustBeOursOrTrusted) {
  TokenClaims claims = Claims();
  claims.issuer = "partner";
  EXPECT_TRUE(std::holds_alternative<TokenClaims>(Codec().Verify(Codec().Sign(claims), kNow)));
  claims.issuer = "stranger";
  EXPECT_EQ(ErrorOf(Codec().Verify(Codec().Sign(claims), kNow)), AuthErrorCode::kUntrustedIssuer);
}

TEST(JwtTest, MissingClaimsAndGarbageAreRefused) {
  TokenClaims claims = Claims();
  claims.subject = "";
  EXPECT_EQ(ErrorOf(Codec().Verify(Codec().Sign(claims), kNow)), AuthErrorCode::kMissingClaim);
  for (const std::string garbage : {"", "abc", "a.b", "a.b.c.d", "..", "!!.??.##", "abc.def.ghi"}) {
    EXPECT_EQ(ErrorOf(Codec().Verify(garbage, kNow)), AuthErrorCode::kInvalidToken) << garbage;
  }
}

}  // namespace
}  // namespace kalam::auth

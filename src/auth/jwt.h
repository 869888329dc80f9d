#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_error.h"

namespace kalam::auth {

enum class TokenType : uint8_t { kAccess, kRefresh };

// The claims KalamDB issues and reads.
struct TokenClaims {
  std::string subject;  // sub: the user id
  std::string issuer;   // iss
  std::string username;
  std::string role;  // role: user | service | dba | system
  TokenType type = TokenType::kAccess;
  int64_t issued_at = 0;   // iat, seconds since the epoch
  int64_t expires_at = 0;  // exp
  std::string token_id;    // jti: the login session, shared by its access and refresh tokens
  int64_t generation = 0;  // gen: the user's token generation when issued
};

// HS256 JSON Web Tokens. The algorithm is pinned: a token whose header names anything else
// ("none", RS256, …) is refused before its signature is looked at.
//
// Thread-safety: immutable after construction; Sign and Verify may run concurrently.
class JwtCodec {
 public:
  JwtCodec(std::string secret, std::string issuer, std::vector<std::string> trusted_issuers,
           int64_t leeway_seconds);

  const std::string& issuer() const { return issuer_; }
  std::string Sign(const TokenClaims& claims) const;

  // Checks structure, algorithm, signature (constant-time), issuer (ours or trusted),
  // required claims (sub, exp) and expiry with the leeway, at `now_seconds`.
  AuthResult<TokenClaims> Verify(std::string_view token, int64_t now_seconds) const;

 private:
  struct KeyedHmac;  // HMAC-SHA256 state with the secret already absorbed (jwt.cc)
  std::string Hmac(std::string_view data) const;

  std::shared_ptr<const KeyedHmac> keyed_;
  std::string issuer_;
  std::vector<std::string> trusted_issuers_;
  int64_t leeway_seconds_;
};

}  // namespace kalam::auth

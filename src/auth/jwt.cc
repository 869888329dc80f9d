#include "auth/jwt.h"

#include <openssl/crypto.h>
#include <sodium.h>

#include <algorithm>

#include <boost/json.hpp>

#include "auth/sodium_init.h"
#include "common/base64.h"

namespace kalam::auth {
namespace {

constexpr Base64Alphabet kUrl = Base64Alphabet::kUrlUnpadded;

AuthError Fail(AuthErrorCode code, std::string message) {
  return {code, std::move(message)};
}

const boost::json::string* StringField(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? &value->get_string() : nullptr;
}

std::optional<int64_t> IntegerField(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= INT64_MAX) {
    return static_cast<int64_t>(value->get_uint64());
  }
  if (value->is_double()) return static_cast<int64_t>(value->get_double());
  return std::nullopt;
}

std::optional<boost::json::object> DecodeObject(std::string_view segment) {
  const std::optional<std::string> text = Base64Decode(segment, kUrl);
  if (!text.has_value()) return std::nullopt;
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(*text, error);
  if (error || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

}  // namespace

std::string_view AuthErrorCodeName(AuthErrorCode code) {
  switch (code) {
    case AuthErrorCode::kMissingAuthorization:
      return "MISSING_AUTHORIZATION";
    case AuthErrorCode::kMalformedAuthorization:
      return "MALFORMED_AUTHORIZATION";
    case AuthErrorCode::kInvalidCredentials:
      return "INVALID_CREDENTIALS";
    case AuthErrorCode::kTokenExpired:
      return "TOKEN_EXPIRED";
    case AuthErrorCode::kInvalidSignature:
      return "INVALID_SIGNATURE";
    case AuthErrorCode::kUntrustedIssuer:
      return "UNTRUSTED_ISSUER";
    case AuthErrorCode::kMissingClaim:
      return "MISSING_CLAIM";
    case AuthErrorCode::kInvalidToken:
      return "INVALID_TOKEN";
    case AuthErrorCode::kRemoteAccessDenied:
      return "REMOTE_ACCESS_DENIED";
    case AuthErrorCode::kTooManyFailedLogins:
      return "TOO_MANY_FAILED_LOGINS";
  }
  return "AUTHENTICATION_ERROR";
}

int AuthErrorHttpStatus(AuthErrorCode code) {
  switch (code) {
    case AuthErrorCode::kMalformedAuthorization:
      return 400;
    case AuthErrorCode::kRemoteAccessDenied:
      return 403;
    case AuthErrorCode::kTooManyFailedLogins:
      return 429;
    default:
      return 401;
  }
}

// The key is absorbed once; each signature copies this state instead of re-keying (the
// one-shot HMAC of OpenSSL 3 fetches the digest and allocates on every call).
struct JwtCodec::KeyedHmac {
  KeyedHmac() = default;
  ~KeyedHmac() { sodium_memzero(&state, sizeof(state)); }
  KeyedHmac(const KeyedHmac&) = delete;
  KeyedHmac& operator=(const KeyedHmac&) = delete;

  crypto_auth_hmacsha256_state state;
};

JwtCodec::JwtCodec(std::string secret, std::string issuer, std::vector<std::string> trusted_issuers,
                   int64_t leeway_seconds)
    : keyed_([&secret] {
        InitSodium();
        auto keyed = std::make_shared<KeyedHmac>();
        crypto_auth_hmacsha256_init(
            &keyed->state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
        sodium_memzero(secret.data(), secret.size());
        return keyed;
      }()),
      issuer_(std::move(issuer)),
      trusted_issuers_(std::move(trusted_issuers)),
      leeway_seconds_(leeway_seconds) {}

std::string JwtCodec::Hmac(std::string_view data) const {
  crypto_auth_hmacsha256_state state = keyed_->state;
  unsigned char digest[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&state, digest);
  sodium_memzero(&state, sizeof(state));
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string JwtCodec::Sign(const TokenClaims& claims) const {
  boost::json::object payload;
  payload["iss"] = claims.issuer.empty() ? issuer_ : claims.issuer;
  payload["sub"] = claims.subject;
  payload["username"] = claims.username;
  payload["role"] = claims.role;
  payload["token_type"] = claims.type == TokenType::kAccess ? "access" : "refresh";
  payload["iat"] = claims.issued_at;
  payload["exp"] = claims.expires_at;
  if (!claims.token_id.empty()) payload["jti"] = claims.token_id;
  if (claims.generation != 0) payload["gen"] = claims.generation;
  std::string token = Base64Encode(R"({"alg":"HS256","typ":"JWT"})", kUrl) + "." +
                      Base64Encode(boost::json::serialize(payload), kUrl);
  return token + "." + Base64Encode(Hmac(token), kUrl);
}

// A token that does not decode is a bad credential (401 INVALID_TOKEN), like one with a bad
// signature; MALFORMED_AUTHORIZATION is for a header that is not "Basic …" or "Bearer …".
AuthResult<TokenClaims> JwtCodec::Verify(std::string_view token, int64_t now_seconds) const {
  const size_t first_dot = token.find('.');
  const size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos) {
    return Fail(AuthErrorCode::kInvalidToken, "the bearer token is not a valid JWT");
  }
  const std::optional<boost::json::object> header = DecodeObject(token.substr(0, first_dot));
  const std::optional<boost::json::object> payload =
      DecodeObject(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!header.has_value() || !payload.has_value()) {
    return Fail(AuthErrorCode::kInvalidToken, "the bearer token is not a valid JWT");
  }
  const boost::json::string* algorithm = StringField(*header, "alg");
  if (algorithm == nullptr || *algorithm != "HS256") {
    return Fail(AuthErrorCode::kInvalidSignature,
                "token algorithm must be HS256, got '" +
                    (algorithm == nullptr ? std::string() : std::string(*algorithm)) + "'");
  }
  const std::optional<std::string> signature = Base64Decode(token.substr(second_dot + 1), kUrl);
  const std::string expected = Hmac(token.substr(0, second_dot));
  if (!signature.has_value() || signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return Fail(AuthErrorCode::kInvalidSignature, "token signature is invalid");
  }
  TokenClaims claims;
  const boost::json::string* issuer = StringField(*payload, "iss");
  claims.issuer = issuer == nullptr ? "" : std::string(*issuer);
  if (claims.issuer != issuer_ && std::find(trusted_issuers_.begin(), trusted_issuers_.end(),
                                            claims.issuer) == trusted_issuers_.end()) {
    return Fail(AuthErrorCode::kUntrustedIssuer,
                "token issuer '" + claims.issuer + "' is not trusted");
  }
  const boost::json::string* subject = StringField(*payload, "sub");
  const std::optional<int64_t> expires = IntegerField(*payload, "exp");
  if (subject == nullptr || subject->empty()) {
    return Fail(AuthErrorCode::kMissingClaim, "token has no 'sub' claim");
  }
  if (!expires.has_value()) return Fail(AuthErrorCode::kMissingClaim, "token has no 'exp' claim");
  claims.subject = std::string(*subject);
  claims.expires_at = *expires;
  claims.issued_at = IntegerField(*payload, "iat").value_or(0);
  if (claims.expires_at + leeway_seconds_ < now_seconds) {
    return Fail(AuthErrorCode::kTokenExpired, "token has expired");
  }
  if (claims.issued_at > now_seconds + leeway_seconds_) {
    return Fail(AuthErrorCode::kInvalidToken, "token is issued in the future");
  }
  if (const boost::json::string* role = StringField(*payload, "role")) claims.role = *role;
  if (const boost::json::string* name = StringField(*payload, "username")) claims.username = *name;
  if (const boost::json::string* id = StringField(*payload, "jti")) claims.token_id = *id;
  claims.generation = IntegerField(*payload, "gen").value_or(0);
  const boost::json::string* type = StringField(*payload, "token_type");
  claims.type = type != nullptr && *type == "refresh" ? TokenType::kRefresh : TokenType::kAccess;
  return claims;
}

}  // namespace kalam::auth

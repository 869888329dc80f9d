#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace kalam::auth {

// Why a request could not be authenticated, with its API code and HTTP status (jwt.cc maps
// them; docs/api.md lists them). Messages never say whether a user exists (no enumeration).
enum class AuthErrorCode : uint8_t {
  kMissingAuthorization,    // 401
  kMalformedAuthorization,  // 400
  kInvalidCredentials,      // 401
  kTokenExpired,            // 401
  kInvalidSignature,        // 401
  kUntrustedIssuer,         // 401
  kMissingClaim,            // 401
  kInvalidToken,            // 401: not a JWT, revoked, wrong type, user gone, …
  kRemoteAccessDenied,      // 403
  kTooManyFailedLogins,     // 429
};

struct AuthError {
  AuthErrorCode code;
  std::string message;
  std::string attempted_user;  // the user name of a failed password check, for the audit log
};

std::string_view AuthErrorCodeName(AuthErrorCode code);  // "TOKEN_EXPIRED", …
int AuthErrorHttpStatus(AuthErrorCode code);

// A value or the reason there is none.
template <typename T>
using AuthResult = std::variant<T, AuthError>;

}  // namespace kalam::auth

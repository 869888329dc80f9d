#pragma once

#include <string>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "auth/authenticator.h"
#include "common/ip_address.h"
#include "sql/execution_context.h"
#include "sql/executor.h"

namespace kalam::api {

struct AuthSettings {
  std::vector<IpNetwork> trusted_proxies;  // [server] trusted_proxies
  bool allow_remote_setup = false;         // [auth] allow_remote_setup
};

// The client's address. When the TCP peer is a trusted proxy, X-Forwarded-For is read
// right to left, skipping trusted proxies: the first address that is not one is the
// client. Entries left of it are whatever the client claimed and are never believed; a
// malformed entry stops the walk at the last hop verified so far.
std::string ClientAddress(const HttpRequest& request, const AuthSettings& settings);

// True only for a loopback TCP peer that sent no forwarding header (X-Forwarded-For,
// Forwarded, X-Real-IP): a forwarded request came through something, so it is not local
// whatever address it claims. Loopback-only privileges (root without a password,
// first-run setup) need this.
bool IsLoopbackOrigin(const HttpRequest& request);

// Where the request comes from, for the authenticator: the client address (throttling)
// and IsLoopbackOrigin.
auth::ClientOrigin OriginOf(const HttpRequest& request, const AuthSettings& settings);

// The response for an authentication failure: the envelope with the code and HTTP status
// of the AuthErrorCode.
HttpResponse AuthErrorResponse(const HttpRequest& request, const auth::AuthError& error);

// Authenticates the request's Authorization header. A wrong password (Basic) is audited
// as LOGIN_FAILED, like a failed login. May verify a password: call it on a worker thread.
std::variant<auth::Principal, HttpResponse> AuthenticateRequest(const HttpRequest& request,
                                                                auth::Authenticator& authenticator,
                                                                const AuthSettings& settings,
                                                                sql::SqlExecutor& audit_log);

// Whether a failed authentication is recorded as LOGIN_FAILED: throttled attempts (429)
// and refused, malformed ones are not, so what a guesser can write into the audit log is
// bounded by the lockouts.
bool IsAuditedFailure(auth::AuthErrorCode code);

// Attempted names are audited and logged at most this long (then "…" marks the cut).
inline constexpr size_t kMaxLoggedNameBytes = 64;
// `text` cut to kMaxLoggedNameBytes on a UTF-8 boundary, with "…" when it was cut.
std::string TruncatedForLog(std::string_view text);

// Records a login attempt (LOGIN, LOGIN_FAILED, SETUP) for `username` (truncated) from the
// request's client; `user_id` is "" when the attempt did not identify a user.
void AuditLogin(sql::SqlExecutor& audit_log, const HttpRequest& request,
                const AuthSettings& settings, std::string user_id, std::string_view username,
                const std::string& action);

// An execution context for `principal` with the request's id, client address and time.
sql::ExecutionContext ContextFor(const HttpRequest& request, const auth::Principal& principal,
                                 const AuthSettings& settings);

}  // namespace kalam::api

#pragma once

#include <string>
#include <variant>

#include "api/http_types.h"
#include "auth/authenticator.h"
#include "sql/execution_context.h"
#include "sql/executor.h"

namespace kalam::api {

struct AuthSettings {
  bool trust_proxy_headers = false;  // [server] trust_proxy_headers
  bool allow_remote_setup = false;   // [auth] allow_remote_setup
};

// The client's address: the TCP peer, or with trust_proxy_headers the first
// X-Forwarded-For entry — unless that claims loopback, which a proxy never forwards
// honestly (spoofing guard: the peer decides).
std::string ClientAddress(const HttpRequest& request, const AuthSettings& settings);

// The response for an authentication failure: the envelope with the code and HTTP status
// of reference §5.4.
HttpResponse AuthErrorResponse(const HttpRequest& request, const auth::AuthError& error);

// Authenticates the request's Authorization header. A wrong password (Basic) is audited
// as LOGIN_FAILED, like a failed login. May verify a password: call it on a worker thread.
std::variant<auth::Principal, HttpResponse> AuthenticateRequest(const HttpRequest& request,
                                                                auth::Authenticator& authenticator,
                                                                const AuthSettings& settings,
                                                                sql::SqlExecutor& audit_log);

// Records a login attempt (LOGIN, LOGIN_FAILED, SETUP) for `username` from the request's
// client; `user_id` is "" when the attempt did not identify a user.
void AuditLogin(sql::SqlExecutor& audit_log, const HttpRequest& request,
                const AuthSettings& settings, std::string user_id, std::string username,
                const std::string& action);

// An execution context for `principal` with the request's id, client address and time.
sql::ExecutionContext ContextFor(const HttpRequest& request, const auth::Principal& principal,
                                 const AuthSettings& settings);

}  // namespace kalam::api

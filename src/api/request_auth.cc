#include "api/request_auth.h"

#include "api/json_envelope.h"

namespace kalam::api {

std::string ClientAddress(const HttpRequest& request, const AuthSettings& settings) {
  if (!settings.trust_proxy_headers) return request.peer_address;
  std::string_view forwarded = request.Header("x-forwarded-for");
  forwarded = forwarded.substr(0, forwarded.find(','));
  while (!forwarded.empty() && forwarded.front() == ' ')
    forwarded.remove_prefix(1);
  while (!forwarded.empty() && forwarded.back() == ' ')
    forwarded.remove_suffix(1);
  if (forwarded.empty() || forwarded == "localhost" || auth::IsLoopbackAddress(forwarded)) {
    return request.peer_address;
  }
  return std::string(forwarded);
}

HttpResponse AuthErrorResponse(const HttpRequest& request, const auth::AuthError& error) {
  return ErrorResponse(request, auth::AuthErrorHttpStatus(error.code),
                       auth::AuthErrorCodeName(error.code), error.message);
}

std::variant<auth::Principal, HttpResponse> AuthenticateRequest(const HttpRequest& request,
                                                                auth::Authenticator& authenticator,
                                                                const AuthSettings& settings,
                                                                sql::SqlExecutor& audit_log) {
  auth::AuthResult<auth::Principal> result =
      authenticator.Authenticate(request.Header("authorization"), ClientAddress(request, settings));
  if (const auto* error = std::get_if<auth::AuthError>(&result)) {
    // Throttled attempts (429) are not recorded: the lockout bounds what a guesser can
    // write into the audit log per user and address.
    if (!error->attempted_user.empty() &&
        error->code != auth::AuthErrorCode::kTooManyFailedLogins) {
      AuditLogin(audit_log, request, settings, "", error->attempted_user, "LOGIN_FAILED");
    }
    return AuthErrorResponse(request, *error);
  }
  return std::get<auth::Principal>(std::move(result));
}

void AuditLogin(sql::SqlExecutor& audit_log, const HttpRequest& request,
                const AuthSettings& settings, std::string user_id, std::string username,
                const std::string& action) {
  const sql::ExecutionContext context = ContextFor(
      request, {.user_id = std::move(user_id), .username = std::move(username)}, settings);
  audit_log.Audit(context, action, "USER " + context.username);
}

sql::ExecutionContext ContextFor(const HttpRequest& request, const auth::Principal& principal,
                                 const AuthSettings& settings) {
  sql::ExecutionContext context;
  context.user_id = UserId(principal.user_id);
  context.username = principal.username;
  context.role = principal.role;
  context.client_ip = ClientAddress(request, settings);
  context.request_id = std::string(request.Header("x-request-id"));
  context.started_at_millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  return context;
}

}  // namespace kalam::api

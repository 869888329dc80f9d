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
                                                                const AuthSettings& settings) {
  auth::AuthResult<auth::Principal> result =
      authenticator.Authenticate(request.Header("authorization"), ClientAddress(request, settings));
  if (const auto* error = std::get_if<auth::AuthError>(&result)) {
    return AuthErrorResponse(request, *error);
  }
  return std::get<auth::Principal>(std::move(result));
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

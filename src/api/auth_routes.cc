#include "api/auth_routes.h"

#include <boost/json.hpp>

#include "api/json_envelope.h"
#include "api/status_mapping.h"

namespace kalam::api {
namespace {

boost::json::object UserJson(const catalog::UserRecord& user) {
  boost::json::object json;
  json["id"] = user.user_id;
  json["username"] = user.username;
  json["role"] = catalog::RoleName(user.role);
  json["email"] = user.email;
  json["created_at"] = user.created_at;
  json["updated_at"] = user.updated_at;
  return json;
}

HttpResponse Json(const boost::json::object& body, int status = 200) {
  return {.status = status, .body = boost::json::serialize(body)};
}

HttpResponse TokensResponse(const catalog::UserRecord& user, const auth::IssuedTokens& tokens) {
  boost::json::object body;
  body["user"] = UserJson(user);
  body["admin_ui_access"] = user.role == catalog::Role::kDba || user.role == catalog::Role::kSystem;
  body["access_token"] = tokens.access_token;
  body["refresh_token"] = tokens.refresh_token;
  body["expires_at"] = tokens.expires_at;
  body["refresh_expires_at"] = tokens.refresh_expires_at;
  return Json(body);
}

// The JSON object body, or the 400 to send.
std::variant<boost::json::object, HttpResponse> ObjectBody(const HttpRequest& request) {
  boost::system::error_code error;
  boost::json::value body = boost::json::parse(request.body, error);
  if (error || !body.is_object()) {
    return ErrorResponse(request, 400, "INVALID_REQUEST", "request body must be a JSON object");
  }
  return std::move(body.as_object());
}

std::string StringField(const boost::json::object& body, std::string_view key) {
  const boost::json::value* value = body.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
}

// The refresh token from the body ("refresh_token") or an Authorization: Bearer header.
std::string RefreshTokenOf(const HttpRequest& request) {
  boost::system::error_code error;
  const boost::json::value body = boost::json::parse(request.body, error);
  if (!error && body.is_object()) {
    std::string token = StringField(body.as_object(), "refresh_token");
    if (!token.empty()) return token;
  }
  const std::string_view header = request.Header("authorization");
  return header.starts_with("Bearer ") ? std::string(header.substr(7)) : "";
}

// Runs `work` on the worker pool (password checks are slow by design).
template <typename Work>
void OnWorker(AuthRouteServices& services, HttpRequest&& request, const Responder& respond,
              Work work) {
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  const bool queued = services.workers.Submit([shared, respond, work]() {
    try {
      respond(work(*shared));
    } catch (const std::exception& e) {
      respond(ErrorResponse(*shared, Status::Internal(e.what())));
    }
  });
  if (!queued) {
    respond(ErrorResponse(*shared, 503, "SERVER_BUSY", "too many queued requests; retry shortly"));
  }
}

HttpResponse Login(AuthRouteServices& services, const HttpRequest& request) {
  auto parsed = ObjectBody(request);
  if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);
  std::string username = StringField(body, "user");
  if (username.empty()) username = StringField(body, "username");
  const std::string password = StringField(body, "password");
  if (username.empty()) {
    return ErrorResponse(request, 400, "INVALID_REQUEST", "\"user\" and \"password\" are required");
  }
  if (username.size() > catalog::kMaxNameLength) {  // refused before any lookup or audit
    return ErrorResponse(
        request, 400, "INVALID_REQUEST",
        "\"user\" is longer than " + std::to_string(catalog::kMaxNameLength) + " characters");
  }
  auth::AuthResult<auth::Principal> checked = services.authenticator.CheckPassword(
      username, password, OriginOf(request, services.settings));
  if (const auto* error = std::get_if<auth::AuthError>(&checked)) {
    if (IsAuditedFailure(error->code)) {
      AuditLogin(services.executor, request, services.settings, "", username, "LOGIN_FAILED");
    }
    return AuthErrorResponse(request, *error);
  }
  const auth::Principal& principal = std::get<auth::Principal>(checked);
  AuditLogin(services.executor, request, services.settings, principal.user_id, principal.username,
             "LOGIN");
  const auto user = services.authenticator.FindUserById(principal.user_id);
  if (!user.has_value()) return ErrorResponse(request, Status::Internal("user vanished"));
  return TokensResponse(*user, services.authenticator.IssueTokens(principal));
}

HttpResponse Refresh(AuthRouteServices& services, const HttpRequest& request) {
  auth::AuthResult<auth::Principal> checked =
      services.authenticator.CheckRefreshToken(RefreshTokenOf(request));
  if (const auto* error = std::get_if<auth::AuthError>(&checked)) {
    return AuthErrorResponse(request, *error);
  }
  const auth::Principal& principal = std::get<auth::Principal>(checked);
  const auto user = services.authenticator.FindUserById(principal.user_id);
  if (!user.has_value()) return ErrorResponse(request, Status::Internal("user vanished"));
  return TokensResponse(*user, services.authenticator.IssueTokens(principal));
}

HttpResponse Logout(AuthRouteServices& services, const HttpRequest& request) {
  auto revoked = services.authenticator.Revoke(RefreshTokenOf(request));
  if (const auto* error = std::get_if<auth::AuthError>(&revoked)) {
    return AuthErrorResponse(request, *error);
  }
  boost::json::object body;
  body["message"] = "Logged out successfully";
  return Json(body);
}

HttpResponse Me(AuthRouteServices& services, const HttpRequest& request) {
  auto authenticated =
      AuthenticateRequest(request, services.authenticator, services.settings, services.executor);
  if (auto* error = std::get_if<HttpResponse>(&authenticated)) return std::move(*error);
  const auto user =
      services.authenticator.FindUserById(std::get<auth::Principal>(authenticated).user_id);
  if (!user.has_value()) return ErrorResponse(request, Status::Internal("user vanished"));
  return Json(UserJson(*user));
}

// {"current_password","new_password"}: the caller (token or Basic) proves the current password,
// so a stolen token alone cannot lock its owner out. Every earlier token of the user ends.
HttpResponse ChangePassword(AuthRouteServices& services, const HttpRequest& request) {
  auto authenticated =
      AuthenticateRequest(request, services.authenticator, services.settings, services.executor);
  if (auto* error = std::get_if<HttpResponse>(&authenticated)) return std::move(*error);
  const auth::Principal& caller = std::get<auth::Principal>(authenticated);
  auto parsed = ObjectBody(request);
  if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);
  const boost::json::value* current = body.if_contains("current_password");
  const std::string new_password = StringField(body, "new_password");
  if (current == nullptr || !current->is_string() || new_password.empty()) {
    return ErrorResponse(request, 400, "INVALID_REQUEST",
                         "\"current_password\" and \"new_password\" are required");
  }
  auth::AuthResult<auth::Principal> checked = services.authenticator.CheckPassword(
      caller.username, current->as_string(), OriginOf(request, services.settings));
  if (const auto* error = std::get_if<auth::AuthError>(&checked)) {
    if (IsAuditedFailure(error->code)) {
      AuditLogin(services.executor, request, services.settings, caller.user_id, caller.username,
                 "LOGIN_FAILED");
    }
    return AuthErrorResponse(request, *error);
  }
  Result<catalog::UserRecord> changed =
      services.authenticator.AlterUser(caller.username, {.password = new_password});
  if (!changed.ok()) return ErrorResponse(request, changed.status());
  AuditLogin(services.executor, request, services.settings, caller.user_id, caller.username,
             "PASSWORD_CHANGE");
  boost::json::object reply;
  reply["message"] = "Password changed; tokens issued before now no longer work";
  return Json(reply);
}

HttpResponse Setup(AuthRouteServices& services, const HttpRequest& request) {
  if (!services.settings.allow_remote_setup && !IsLoopbackOrigin(request)) {
    return ErrorResponse(request, 403, "REMOTE_ACCESS_DENIED",
                         "setup is accepted from localhost only (see auth.allow_remote_setup)");
  }
  auto parsed = ObjectBody(request);
  if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);
  const std::string username = StringField(body, "user");
  const std::string password = StringField(body, "password");
  const std::string root_password = StringField(body, "root_password");
  if (username.empty() || password.empty() || root_password.empty()) {
    return ErrorResponse(request, 400, "INVALID_REQUEST",
                         "\"user\", \"password\" and \"root_password\" are required");
  }
  Result<catalog::UserRecord> created =
      services.authenticator.Setup({.username = username,
                                    .password = password,
                                    .role = catalog::Role::kDba,
                                    .email = StringField(body, "email")},
                                   root_password);
  if (!created.ok()) return ErrorResponse(request, created.status());
  AuditLogin(services.executor, request, services.settings, "root", "root", "SETUP");
  boost::json::object reply;
  reply["message"] =
      "Setup complete: root has a password and dba user '" + created->username + "' was created";
  reply["user"] = UserJson(*created);
  return Json(reply);
}

}  // namespace

void AddAuthRoutes(Router& router, AuthRouteServices& services) {
  const auto on_worker =
      [&services](HttpResponse (*handler)(AuthRouteServices&, const HttpRequest&)) {
        return [&services, handler](HttpRequest&& request, const Responder& respond) {
          OnWorker(services, std::move(request), respond,
                   [&services, handler](const HttpRequest& r) { return handler(services, r); });
        };
      };
  router.Add("POST", "/v1/api/auth/login", on_worker(&Login));
  router.Add("POST", "/v1/api/auth/refresh", on_worker(&Refresh));
  router.Add("POST", "/v1/api/auth/logout", on_worker(&Logout));
  router.Add("GET", "/v1/api/auth/me", on_worker(&Me));
  router.Add("POST", "/v1/api/auth/setup", on_worker(&Setup));
  router.Add("POST", "/v1/api/auth/password", on_worker(&ChangePassword));
  router.Add("GET", "/v1/api/auth/status", [&services](HttpRequest&&, const Responder& respond) {
    const bool needs_setup = services.authenticator.NeedsSetup();
    boost::json::object body;
    body["needs_setup"] = needs_setup;
    body["message"] = needs_setup ? "root has no password: run POST /v1/api/auth/setup "
                                    "from localhost"
                                  : "ready";
    respond(Json(body));
  });
}

}  // namespace kalam::api

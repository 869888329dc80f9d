#include "api/request_auth.h"

#include <algorithm>

#include "api/json_envelope.h"

namespace kalam::api {

namespace {

bool IsTrustedProxy(const IpAddress& address, const AuthSettings& settings) {
  return std::any_of(settings.trusted_proxies.begin(), settings.trusted_proxies.end(),
                     [&](const IpNetwork& proxy) { return proxy.Contains(address); });
}

// Every X-Forwarded-For entry, in order: repeated headers are one list (RFC 7230 §3.2.2).
std::vector<std::string_view> ForwardedChain(const HttpRequest& request) {
  std::vector<std::string_view> chain;
  for (const auto& [name, value] : request.headers) {
    if (name != "x-forwarded-for") continue;
    for (std::string_view entry : SplitCommaList(value))
      chain.push_back(entry);
  }
  return chain;
}

}  // namespace

std::string ClientAddress(const HttpRequest& request, const AuthSettings& settings) {
  std::optional<IpAddress> hop = IpAddress::Parse(request.peer_address);
  if (!hop.has_value() || !IsTrustedProxy(*hop, settings)) return request.peer_address;
  const std::vector<std::string_view> chain = ForwardedChain(request);
  for (auto entry = chain.rbegin(); entry != chain.rend(); ++entry) {
    const std::optional<IpAddress> previous = IpAddress::Parse(*entry);
    if (!previous.has_value()) break;  // garbage: the last verified hop is all we know
    hop = previous;
    if (!IsTrustedProxy(*hop, settings)) break;
  }
  return hop->ToString();
}

bool IsLoopbackOrigin(const HttpRequest& request) {
  const std::optional<IpAddress> peer = IpAddress::Parse(request.peer_address);
  if (!peer.has_value() || !peer->IsLoopback()) return false;
  return std::none_of(request.headers.begin(), request.headers.end(), [](const auto& header) {
    return header.first == "x-forwarded-for" || header.first == "forwarded" ||
           header.first == "x-real-ip";
  });
}

auth::ClientOrigin OriginOf(const HttpRequest& request, const AuthSettings& settings) {
  return {.address = ClientAddress(request, settings), .loopback = IsLoopbackOrigin(request)};
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
      authenticator.Authenticate(request.Header("authorization"), OriginOf(request, settings));
  if (const auto* error = std::get_if<auth::AuthError>(&result)) {
    if (!error->attempted_user.empty() && IsAuditedFailure(error->code)) {
      AuditLogin(audit_log, request, settings, "", error->attempted_user, "LOGIN_FAILED");
    }
    return AuthErrorResponse(request, *error);
  }
  return std::get<auth::Principal>(std::move(result));
}

bool IsAuditedFailure(auth::AuthErrorCode code) {
  return code != auth::AuthErrorCode::kTooManyFailedLogins &&
         code != auth::AuthErrorCode::kMalformedAuthorization;
}

std::string TruncatedForLog(std::string_view text) {
  if (text.size() <= kMaxLoggedNameBytes) return std::string(text);
  size_t cut = kMaxLoggedNameBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;  // never split a UTF-8 sequence
  return std::string(text.substr(0, cut)) + "…";
}

void AuditLogin(sql::SqlExecutor& audit_log, const HttpRequest& request,
                const AuthSettings& settings, std::string user_id, std::string_view username,
                const std::string& action) {
  const sql::ExecutionContext context = ContextFor(
      request, {.user_id = std::move(user_id), .username = TruncatedForLog(username)}, settings);
  audit_log.Audit(context, action, "USER " + context.username);
}

sql::ExecutionContext ContextFor(const HttpRequest& request, const auth::Principal& principal,
                                 const AuthSettings& settings) {
  sql::ExecutionContext context;
  context.user_id = UserId(principal.user_id);
  context.username = principal.username;
  context.role = principal.role;
  context.proved_password = principal.proved_password;
  context.client_ip = ClientAddress(request, settings);
  context.request_id = std::string(request.Header("x-request-id"));
  context.started_at_millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  return context;
}

}  // namespace kalam::api

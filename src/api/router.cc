#include "api/router.h"

#include "api/json_envelope.h"

namespace kalam::api {

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

void Router::Add(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), std::move(handler)});
}

void Router::Dispatch(HttpRequest&& request, Responder respond) const {
  std::string allowed;
  for (const Route& route : routes_) {
    if (route.path != request.path) continue;
    if (route.method == request.method) {
      route.handler(std::move(request), std::move(respond));
      return;
    }
    allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (allowed.empty()) {
    respond(ErrorResponse(request, 404, "NOT_FOUND",
                          "no route for " + request.method + " " + request.path));
    return;
  }
  HttpResponse response = ErrorResponse(
      request, 405, "METHOD_NOT_ALLOWED",
      request.method + " is not allowed on " + request.path + "; allowed: " + allowed);
  response.headers.emplace_back("Allow", allowed);
  respond(std::move(response));
}

}  // namespace kalam::api

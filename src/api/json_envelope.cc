#include "api/json_envelope.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/status_mapping.h"

namespace kalam::api {

double TookMillis(std::chrono::steady_clock::time_point received_at) {
  const auto elapsed = std::chrono::steady_clock::now() - received_at;
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

std::string AppendTook(std::string json_object, std::chrono::steady_clock::time_point received_at) {
  json_object.pop_back();  // the closing brace
  return json_object + fmt::format(R"(,"took":{:.3f}}})", TookMillis(received_at));
}

HttpResponse ErrorResponse(std::chrono::steady_clock::time_point received_at, int http_status,
                           std::string_view code, std::string_view message) {
  boost::json::object error;
  error["code"] = code;
  error["message"] = message;
  boost::json::object body;
  body["status"] = "error";
  body["error"] = std::move(error);
  body["results"] = boost::json::array();
  return {.status = http_status, .body = AppendTook(boost::json::serialize(body), received_at)};
}

HttpResponse ErrorResponse(const HttpRequest& request, const Status& status) {
  return ErrorResponse(request, HttpStatusFor(status.code()), ErrorCodeFor(status.code()),
                       status.message());
}

}  // namespace kalam::api

#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kalam::api {

// A parsed HTTP request, free of any Beast type so handlers compile quickly.
struct HttpRequest {
  std::string method;                                        // "GET", "POST", …
  std::string target;                                        // path and query as sent
  std::string path;                                          // target without the query string
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer_address;  // the TCP peer's IP, never a forwarded header
  std::chrono::steady_clock::time_point received_at;

  // The first header named `name` (lower case), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends the response for one request. May be called from any thread, exactly once.
using Responder = std::function<void(HttpResponse)>;

// Handles one request. Runs on a network thread: it must not block; long work is handed
// to a worker pool, which calls `respond` when done.
using Handler = std::function<void(HttpRequest&& request, Responder respond)>;

}  // namespace kalam::api

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kalam::client {

struct HttpResult {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // The first header named `name` (lower case), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// A blocking HTTP/1.1 client for KalamDB's public API, keeping one keep-alive connection
// and reconnecting once when the server closed it. Every call has a deadline.
//
// Thread-safety: none; use one client per thread.
class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends one request and returns the response (any HTTP status). Errors: kUnavailable
  // when the server cannot be reached, the deadline passes or the connection breaks.
  Result<HttpResult> Send(std::string_view method, std::string_view target,
                          std::string_view body = {}, const Headers& headers = {});
  Result<HttpResult> Get(std::string_view target, const Headers& headers = {}) {
    return Send("GET", target, {}, headers);
  }
  Result<HttpResult> Post(std::string_view target, std::string_view body,
                          const Headers& headers = {}) {
    return Send("POST", target, body, headers);
  }

  // Headers sent with every request (e.g. Authorization); a call's own headers win.
  void SetDefaultHeaders(Headers headers);

  // Drops the current connection; the next call opens a new one.
  void Disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kalam::client

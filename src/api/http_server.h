#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "common/result.h"

namespace kalam::api {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                    // 0: pick a free port; see HttpServer::port()
  size_t threads = 0;                      // network threads; 0 = one per core
  uint64_t max_body_bytes = 10 << 20;      // larger bodies: 413
  uint32_t max_header_bytes = 16 << 10;    // larger header blocks: 431
  std::chrono::seconds idle_timeout{75};   // idle keep-alive connections are closed
  size_t max_connections = 10000;          // beyond: 503 TOO_MANY_CONNECTIONS, then closed
  std::chrono::seconds drain_timeout{10};  // Stop() waits this long for in-flight requests
  std::string server_name = "kalamdb";     // the Server header
};

// The HTTP/1.1 listener (Boost.Beast, kept out of this header so that callers do not pay
// its compile time). Keep-alive connections; requests are parsed with size limits and
// malformed ones answered with 400 and closed, never crashing the server.
//
// Lifecycle: Start() binds and serves until Stop(). Thread-safety: port() and Stop() may
// be called from any thread; `router` must outlive the server.
class HttpServer {
 public:
  virtual ~HttpServer() = default;

  // Binds host:port and starts the network threads. kUnavailable with the OS reason if
  // the address cannot be bound (e.g. "Address already in use").
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   const Router& router);

  // The bound port (the chosen one when options.port was 0).
  virtual uint16_t port() const = 0;

  // Stops accepting, lets in-flight requests finish (up to drain_timeout), closes every
  // connection and joins the network threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace kalam::api

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "api/websocket_endpoint.h"
#include "common/result.h"

namespace kalam::api {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                   // 0: pick a free port; see HttpServer::port()
  size_t threads = 0;                     // network threads; 0 = one per core
  uint64_t max_body_bytes = 10 << 20;     // larger bodies: 413
  uint32_t max_header_bytes = 16 << 10;   // larger header blocks: 431
  std::chrono::seconds idle_timeout{75};  // wait for the first byte of a request
  std::chrono::milliseconds header_read_timeout{10000};  // first byte to end of headers: 408
  std::chrono::milliseconds body_read_timeout{60000};    // end of headers to end of body: 408
  size_t max_connections = 10000;            // beyond: 503 TOO_MANY_CONNECTIONS, then closed
  size_t max_connections_per_address = 256;  // the same, per client IP address
  size_t response_buffer_bytes = 8 << 20;    // unsent bytes of one streamed response
  std::chrono::seconds drain_timeout{10};    // Stop() waits this long for in-flight requests
  std::string server_name = "kalamdb";       // the Server header
};

// The HTTP/1.1 listener (Boost.Beast, kept out of this header so that callers do not pay
// its compile time). Keep-alive connections; requests are parsed with size limits and
// deadlines, and malformed or too slow ones answered with 4xx and closed, never crashing the
// server. While a request is handled the connection watches for a hang-up and sets the
// request's `client_gone`. A streamed response is queued (up to response_buffer_bytes per
// connection, 16 times that over all connections) so a slow reader holds a buffer, not
// the worker producing it.
//
// Lifecycle: Start() binds and serves until Stop(). Thread-safety: port() and Stop() may
// be called from any thread; `router` must outlive the server.
class HttpServer {
 public:
  virtual ~HttpServer() = default;

  // Binds host:port and starts the network threads. kUnavailable with the OS reason if
  // the address cannot be bound (e.g. "Address already in use").
  // With `websocket`, GET /v1/ws upgrades to a live-query session (it must outlive the
  // server); Stop() closes those sessions with 1001 first.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   const Router& router,
                                                   const WebSocketServices* websocket = nullptr);

  // The bound port (the chosen one when options.port was 0).
  virtual uint16_t port() const = 0;

  // Stops accepting, lets in-flight requests finish (up to drain_timeout), closes every
  // connection and joins the network threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace kalam::api

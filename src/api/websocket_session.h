#pragma once

// Internal to api/ (it includes Beast): the /v1/ws sessions the HTTP server upgrades to.
#include <chrono>
#include <memory>
#include <set>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/http_types.h"
#include "api/websocket_endpoint.h"
#include "common/mutex.h"

namespace kalam::api {

class WebSocketSession;

// The open sessions of one server, so that Stop() can close them (1001) and wait for them.
class WebSocketSessions {
 public:
  void Add(const std::shared_ptr<WebSocketSession>& session) KALAM_EXCLUDES(mu_);
  void Remove(const WebSocketSession* session) KALAM_EXCLUDES(mu_);
  // Closes every session with 1001 "server shutting down"; returns once all have ended or
  // `timeout` has passed.
  void CloseAll(std::chrono::milliseconds timeout) KALAM_EXCLUDES(mu_);

 private:
  Mutex mu_;
  std::condition_variable_any ended_;
  std::map<const WebSocketSession*, std::weak_ptr<WebSocketSession>> open_ KALAM_GUARDED_BY(mu_);
  bool closing_ KALAM_GUARDED_BY(mu_) = false;
};

// Upgrades `upgrade` (a GET /v1/ws with the WebSocket headers; `request` is the same
// request as the router sees it) on `stream` and serves the session until it closes.
// `slot` (the connection's place in the server's connection counts) is held as long.
void StartWebSocketSession(boost::beast::tcp_stream stream,
                           boost::beast::http::request<boost::beast::http::string_body> upgrade,
                           HttpRequest request, const WebSocketServices& services,
                           WebSocketSessions& sessions, std::shared_ptr<void> slot);

}  // namespace kalam::api

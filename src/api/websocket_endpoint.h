#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "api/request_auth.h"
#include "auth/authenticator.h"
#include "common/worker_pool.h"
#include "live/live_query_manager.h"
#include "sql/executor.h"

namespace kalam::api {

// [websocket] settings.
struct WebSocketOptions {
  std::chrono::milliseconds auth_timeout{3000};        // authenticate within this
  std::chrono::milliseconds heartbeat_interval{5000};  // server pings this often
  std::chrono::milliseconds client_timeout{10000};     // silent for this long: closed
  size_t max_message_bytes = 1 << 20;                  // larger client messages: MESSAGE_TOO_LARGE
  uint32_t max_messages_per_second = 50;               // per connection: RATE_LIMIT_EXCEEDED
  std::vector<std::string> allowed_origins;            // empty: any Origin
  bool permessage_deflate = true;                      // with clients that offer it
};

// What `/v1/ws` sessions use. The HTTP server upgrades a request for `/v1/ws` into a
// session (Boost.Beast, in websocket_session.cc): api/ frames and parses the protocol and
// authenticates; subscriptions are live::LiveQueryManager's.
struct WebSocketServices {
  live::LiveQueryManager& live;
  auth::Authenticator& authenticator;
  sql::SqlExecutor& audit_log;  // LOGIN_WS entries
  WorkerPool& workers;          // password checks, snapshots and resumes run here
  AuthSettings auth_settings;
  WebSocketOptions options;
};

}  // namespace kalam::api

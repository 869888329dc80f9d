#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kalam::client {

struct WsConnectOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string path = "/v1/ws";
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Origin
  bool deflate = false;                                      // offer permessage-deflate
  std::chrono::milliseconds timeout{10000};                  // connect and handshake
};

// A WebSocket client for KalamDB's live queries (Boost.Beast behind a pImpl). Messages
// the server sends are read continuously whenever the client waits (Receive, Send) and
// queued, so control frames (the server's pings) are answered while it waits.
//
// Thread-safety: none; use one client per thread.
class WsClient {
 public:
  // Connects and completes the WebSocket handshake. kUnavailable if the server cannot be
  // reached; kPermissionDenied / kInvalidArgument with the HTTP status and body when it
  // refuses the upgrade (e.g. 403 for an Origin it does not allow).
  static Result<std::unique_ptr<WsClient>> Connect(const WsConnectOptions& options);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  Status SendText(std::string_view text,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Status SendBinary(std::string_view bytes,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next message (text or binary payload), waiting up to `timeout`: kDeadlineExceeded
  // when none came, kUnavailable once the connection is closed and every message received
  // before the close has been returned.
  Result<std::string> Receive(std::chrono::milliseconds timeout);

  bool closed() const;
  // The server's close frame (0 and "" if the connection ended without one).
  uint16_t close_code() const;
  std::string close_reason() const;
  bool deflate_negotiated() const;
  // Sends a close frame and waits (up to a second) for the server's.
  void Close();

 private:
  struct Impl;
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kalam::client

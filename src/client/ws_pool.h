#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "client/ws_client.h"
#include "common/status.h"

namespace kalam::client {

// Many WebSocket connections driven by one thread, for load generators and benchmarks that
// need thousands of clients where WsClient would need a thread each. Every connection keeps
// a read outstanding, so the server's pings are answered whenever the pool runs, and hands
// each message it receives to `on_message` (called from RunUntil, on the running thread).
// Sends are queued per connection and written in order.
//
// Thread-safety: none; every call from the one thread that runs the pool.
class WsPool {
 public:
  // `connection` is the index Open gave it, from 0; `message` is valid during the call.
  using OnMessage = std::function<void(size_t connection, std::string_view message)>;

  WsPool(WsConnectOptions options, OnMessage on_message);
  ~WsPool();
  WsPool(const WsPool&) = delete;
  WsPool& operator=(const WsPool&) = delete;

  // Opens `count` more connections, at most `parallel` handshakes at a time; they are
  // numbered after the existing ones. kUnavailable if one fails or `timeout` passes.
  Status Open(size_t count, size_t parallel, std::chrono::milliseconds timeout);
  // Queues a text message on `connection` (dropped if it is closed).
  void Send(size_t connection, std::string text);
  // Runs the connections' I/O until `done()` (checked after each completed operation) or
  // until `timeout` passes; false on timeout.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

  size_t size() const;
  // Connections the server (or the network) has closed.
  size_t closed_count() const;
  // Sends every open connection a close frame and waits up to `timeout` for the replies.
  void CloseAll(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kalam::client

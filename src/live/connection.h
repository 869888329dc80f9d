#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "catalog/types.h"
#include "common/ids.h"
#include "common/mutex.h"

namespace kalam::live {

// How a connection is asked to close: a WebSocket close code and reason.
struct CloseRequest {
  uint16_t code = 1000;
  std::string reason;
};

// Who is on a connection, once authenticated.
struct Peer {
  UserId user_id{""};
  std::string username;
  catalog::Role role = catalog::Role::kUser;
  std::string client_address;
};

// One WebSocket connection as live queries see it: its peer and its outgoing queue, which
// live/ fills (messages are complete JSON texts) and api/ drains onto the socket, one
// message at a time. The queue is bounded in messages and bytes: a push past either bound
// fails, and the manager then closes the connection (a slow consumer never holds more than
// that, and never slows a writer or another connection).
//
// Thread-safety: all methods may be called from any thread. `wake` is called, possibly
// under the manager's lock, when there is something new to take: it must only schedule
// work (post to the socket's strand), never block or call back.
class Connection {
 public:
  using Wake = std::function<void()>;

  Connection(std::string id, Peer peer, size_t max_messages, size_t max_bytes, Wake wake)
      : id_(std::move(id)),
        peer_(std::move(peer)),
        max_messages_(max_messages),
        max_bytes_(max_bytes),
        wake_(std::move(wake)) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& id() const { return id_; }
  const Peer& peer() const { return peer_; }

  // Queues `message` unless the queue is full or closing (then false and nothing queued).
  bool Push(std::string message) KALAM_EXCLUDES(mu_);
  // Queues `message` past the bounds (the last words before a close); false if closing.
  bool PushFinal(std::string message) KALAM_EXCLUDES(mu_);
  // Blocks until the queue has room for `bytes` more or `timeout` passes; false on timeout
  // or close. For producers that can wait (a resume replaying history), not for fan-out.
  bool WaitForRoom(size_t bytes, std::chrono::milliseconds timeout) KALAM_EXCLUDES(mu_);
  // After the queued messages are sent, close with `request`. The first request wins;
  // nothing is queued after it.
  void RequestClose(CloseRequest request) KALAM_EXCLUDES(mu_);

  // api/: moves the oldest messages to send onto `into`, at most `max_messages` and (past the
  // first) `max_bytes` of them; they no longer count against the queue's bounds, so api/
  // keeps these small. How many it moved.
  size_t Pop(std::deque<std::string>& into, size_t max_messages, size_t max_bytes)
      KALAM_EXCLUDES(mu_);
  // api/: the close request, once every message queued before it has been popped.
  std::optional<CloseRequest> CloseDue() const KALAM_EXCLUDES(mu_);
  // api/: the socket is gone; pushes fail from now on.
  void MarkClosed() KALAM_EXCLUDES(mu_);
  bool closing() const KALAM_EXCLUDES(mu_);

 private:
  const std::string id_;
  const Peer peer_;
  const size_t max_messages_;
  const size_t max_bytes_;
  const Wake wake_;
  mutable Mutex mu_;
  std::condition_variable_any room_;
  std::deque<std::string> queue_ KALAM_GUARDED_BY(mu_);
  size_t queued_bytes_ KALAM_GUARDED_BY(mu_) = 0;
  std::optional<CloseRequest> close_ KALAM_GUARDED_BY(mu_);
  bool closed_ KALAM_GUARDED_BY(mu_) = false;
};

}  // namespace kalam::live

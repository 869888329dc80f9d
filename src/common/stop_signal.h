#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace kalam {

// When a running statement must stop: at its deadline (statement_timeout_ms), or as soon as
// `cancelled` turns true (the client hung up). A value type, copied into every query the
// statement runs; the flag is shared with whoever raises it (the network layer).
struct StopSignal {
  using SteadyClock = std::chrono::steady_clock;

  SteadyClock::time_point deadline = SteadyClock::time_point::max();
  std::chrono::milliseconds timeout{0};                // the limit that set `deadline`
  std::shared_ptr<const std::atomic<bool>> cancelled;  // nullptr: nobody cancels

  // A deadline `timeout` from now (none when it is zero or negative).
  static StopSignal Within(std::chrono::milliseconds timeout,
                           std::shared_ptr<const std::atomic<bool>> cancelled) {
    StopSignal signal{.timeout = timeout, .cancelled = std::move(cancelled)};
    if (timeout.count() > 0) signal.deadline = SteadyClock::now() + timeout;
    return signal;
  }

  bool Expired() const { return SteadyClock::now() >= deadline; }
  bool Cancelled() const { return cancelled != nullptr && cancelled->load(); }

  // Why the statement must stop now; OK while it may go on.
  Status Check() const {
    if (Cancelled()) return CancelledStatus();
    if (Expired()) return ExpiredStatus();
    return Status();
  }
  Status ExpiredStatus() const {
    return Status::DeadlineExceeded(
        "the statement ran longer than statement_timeout_ms=" + std::to_string(timeout.count()) +
        " and was stopped; narrow it or split it");
  }
  static Status CancelledStatus() {
    return Status::Unavailable("the client went away; the statement was stopped");
  }
};

}  // namespace kalam

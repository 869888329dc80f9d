#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace kalam {

// Wall-clock time, injected so tests control it. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;

  // Milliseconds since the Unix epoch.
  int64_t NowMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Now().time_since_epoch()).count();
  }
};

// The system's real-time clock. It can go backwards (NTP steps); users that need
// monotonic values (Snowflake, UUIDv7, ULID) handle that themselves.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock that only moves when told to; for tests (including moving it backwards).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start = {}) : now_(start) {}

  std::chrono::system_clock::time_point Now() const override { return now_.load(); }
  void Set(std::chrono::system_clock::time_point now) { now_.store(now); }
  void Advance(std::chrono::system_clock::duration by) { now_.store(now_.load() + by); }

 private:
  std::atomic<std::chrono::system_clock::time_point> now_;
};

}  // namespace kalam

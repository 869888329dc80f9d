#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <thread>

#include "common/mutex.h"
#include "common/stop_signal.h"

namespace kalam::engine {

// Interrupts running statements from outside: a statement in DuckDB (a count(*) over a huge
// range runs inside one C API call) cannot notice its own deadline. One thread calls a
// watched statement's `interrupt` once its StopSignal expires, and within kPollPeriod of
// its cancel flag turning true; it repeats the call every kPollPeriod until the watch ends,
// because DuckDB clears a pending interrupt when the next phase of a query starts.
//
// Lifecycle: owned by Engine; the thread starts in the constructor and is joined by the
// destructor. Thread-safety: Watch and ~Watch may be called from any thread.
class StatementWatchdog {
 public:
  static constexpr std::chrono::milliseconds kPollPeriod{50};

  StatementWatchdog();
  ~StatementWatchdog();
  StatementWatchdog(const StatementWatchdog&) = delete;
  StatementWatchdog& operator=(const StatementWatchdog&) = delete;

  // Watches one statement for as long as it lives.
  class Watch {
   public:
    // After it returns, `interrupt` is not running and is never called again, so it can
    // no longer reach whatever the connection runs next.
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    friend class StatementWatchdog;
    Watch(StatementWatchdog& watchdog, uint64_t id) : watchdog_(watchdog), id_(id) {}
    StatementWatchdog& watchdog_;
    const uint64_t id_;
  };

  // Starts watching `stop`. REQUIRES: `interrupt` is cheap and does not block (it runs
  // under the watchdog's lock, which is what makes ~Watch final).
  [[nodiscard]] Watch Start(const StopSignal& stop, std::function<void()> interrupt)
      KALAM_EXCLUDES(mu_);

 private:
  struct Entry {
    StopSignal stop;
    std::function<void()> interrupt;
  };

  void Remove(uint64_t id) KALAM_EXCLUDES(mu_);
  // Holds mu_ through a std::unique_lock (needed by the wait), which the analysis cannot see.
  void Run(const std::stop_token& stop_token) KALAM_NO_THREAD_SAFETY_ANALYSIS;
  // Interrupts every entry that must stop; returns when to look again.
  std::chrono::steady_clock::time_point InterruptDue() KALAM_REQUIRES(mu_);

  Mutex mu_;
  std::condition_variable_any wake_;
  std::map<uint64_t, Entry> entries_ KALAM_GUARDED_BY(mu_);
  uint64_t next_id_ KALAM_GUARDED_BY(mu_) = 0;
  uint64_t changes_ KALAM_GUARDED_BY(mu_) = 0;  // bumped by Start: the next wake may be sooner
  std::jthread thread_;                         // last: it uses the members above
};

}  // namespace kalam::engine

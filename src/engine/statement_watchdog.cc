#include "engine/statement_watchdog.h"

#include <algorithm>

namespace kalam::engine {

StatementWatchdog::StatementWatchdog()
    : thread_([this](const std::stop_token& stop_token) { Run(stop_token); }) {}

StatementWatchdog::~StatementWatchdog() {
  thread_.request_stop();  // wakes the wait below through its stop_token
  thread_.join();
}

StatementWatchdog::Watch::~Watch() {
  watchdog_.Remove(id_);
}

StatementWatchdog::Watch StatementWatchdog::Start(const StopSignal& stop,
                                                  std::function<void()> interrupt) {
  uint64_t id = 0;
  {
    MutexLock lock(mu_);
    id = next_id_++;
    entries_.emplace(id, Entry{stop, std::move(interrupt)});
    ++changes_;
  }
  wake_.notify_one();
  return Watch(*this, id);
}

void StatementWatchdog::Remove(uint64_t id) {
  MutexLock lock(mu_);
  entries_.erase(id);
}

std::chrono::steady_clock::time_point StatementWatchdog::InterruptDue() {
  const auto now = std::chrono::steady_clock::now();
  // A bounded wait even with nothing to watch: far-future time points overflow some waits.
  auto next = now + std::chrono::hours(1);
  for (auto& [id, entry] : entries_) {
    if (!entry.stop.Check().ok()) {
      entry.interrupt();
      next = std::min(next, now + kPollPeriod);  // again, until the statement has ended
    } else {
      next = std::min(next, entry.stop.deadline);
      if (entry.stop.cancelled != nullptr) next = std::min(next, now + kPollPeriod);
    }
  }
  return next;
}

void StatementWatchdog::Run(const std::stop_token& stop_token) {
  std::unique_lock<Mutex> lock(mu_);
  while (!stop_token.stop_requested()) {
    const auto next = InterruptDue();
    const uint64_t seen = changes_;
    wake_.wait_until(lock, stop_token, next,
                     [&]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return changes_ != seen; });
  }
}

}  // namespace kalam::engine

#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace kalam {

// A fixed set of threads running work off the calling threads (the API runs statements on
// it, never on network threads), with a bounded queue: when it is full, Submit refuses
// instead of letting work pile up.
//
// Lifecycle: threads start in the constructor; Stop() (idempotent, also run by the
// destructor) finishes queued work and joins. Thread-safety: Submit may be called from
// any thread.
class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_queued);
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False if the queue is full or the pool is stopping; `task` is then not run.
  bool Submit(std::function<void()> task) KALAM_EXCLUDES(mu_);
  void Stop() KALAM_EXCLUDES(mu_);

  // True when every thread has been running its current task for longer than `threshold`
  // (the healthcheck's "degraded": nothing is free to take new work).
  bool AllBusyFor(std::chrono::milliseconds threshold) const KALAM_EXCLUDES(mu_);

 private:
  using SteadyClock = std::chrono::steady_clock;

  void Work(size_t thread_index) KALAM_EXCLUDES(mu_);
  // Blocks for the next task; nullptr once stopping and the queue is drained. Marks the
  // thread busy from the moment it takes one.
  std::function<void()> NextTask(size_t thread_index) KALAM_EXCLUDES(mu_);

  const size_t max_queued_;
  mutable Mutex mu_;
  // Per thread: when it took its current task; nullopt while it waits for one.
  std::vector<std::optional<SteadyClock::time_point>> busy_since_ KALAM_GUARDED_BY(mu_);
  std::condition_variable_any wake_;
  std::deque<std::function<void()>> queue_ KALAM_GUARDED_BY(mu_);
  bool stopping_ KALAM_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace kalam

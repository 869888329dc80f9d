#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace kalam::api {

// A fixed set of threads running request work off the network threads, with a bounded
// queue: when it is full, Submit refuses instead of letting work pile up.
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

 private:
  void Work() KALAM_EXCLUDES(mu_);
  // Blocks for the next task; nullptr once stopping and the queue is drained.
  std::function<void()> NextTask() KALAM_EXCLUDES(mu_);

  const size_t max_queued_;
  Mutex mu_;
  std::condition_variable_any wake_;
  std::deque<std::function<void()>> queue_ KALAM_GUARDED_BY(mu_);
  bool stopping_ KALAM_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace kalam::api

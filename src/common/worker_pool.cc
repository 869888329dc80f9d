#include "common/worker_pool.h"

#include <algorithm>

#include "common/log.h"

namespace kalam {

WorkerPool::WorkerPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
  const size_t count = std::max<size_t>(threads, 1);
  {
    MutexLock lock(mu_);
    busy_since_.resize(count);
  }
  for (size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this, i] { Work(i); });
  }
}

bool WorkerPool::AllBusyFor(std::chrono::milliseconds threshold) const {
  const auto busy_before = SteadyClock::now() - threshold;
  MutexLock lock(mu_);
  return std::all_of(busy_since_.begin(), busy_since_.end(),
                     [&](const auto& since) { return since.has_value() && *since < busy_before; });
}

bool WorkerPool::Submit(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::Stop() {
  {
    MutexLock lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    thread.join();
  }
  threads_.clear();
}

std::function<void()> WorkerPool::NextTask(size_t thread_index) {
  std::unique_lock<Mutex> lock(mu_);
  busy_since_[thread_index].reset();
  wake_.wait(lock,
             [this]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return nullptr;  // stopping, and all queued work is done
  std::function<void()> task = std::move(queue_.front());
  queue_.pop_front();
  busy_since_[thread_index] = SteadyClock::now();
  return task;
}

void WorkerPool::Work(size_t thread_index) {
  for (std::function<void()> task = NextTask(thread_index); task != nullptr;
       task = NextTask(thread_index)) {
    try {
      task();
    } catch (const std::exception& e) {  // our code does not throw; a library might
      KALAM_LOG_ERROR("api", "request task threw error={}", e.what());
    }
  }
}

}  // namespace kalam

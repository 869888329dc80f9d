#include "api/worker_pool.h"

#include "common/log.h"

namespace kalam::api {

WorkerPool::WorkerPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    threads_.emplace_back([this] { Work(); });
  }
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

std::function<void()> WorkerPool::NextTask() {
  std::unique_lock<Mutex> lock(mu_);
  wake_.wait(lock,
             [this]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return nullptr;  // stopping, and all queued work is done
  std::function<void()> task = std::move(queue_.front());
  queue_.pop_front();
  return task;
}

void WorkerPool::Work() {
  for (std::function<void()> task = NextTask(); task != nullptr; task = NextTask()) {
    try {
      task();
    } catch (const std::exception& e) {  // our code does not throw; a library might
      KALAM_LOG_ERROR("api", "request task threw error={}", e.what());
    }
  }
}

}  // namespace kalam::api

#include "tables/change_bus.h"

namespace kalam::tables {

ChangeBus::ChangeBus() : delivery_([this] { DeliverUntilStopped(); }) {}

ChangeBus::~ChangeBus() {
  {
    MutexLock lock(queue_mu_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  delivery_.join();
}

uint64_t ChangeBus::Subscribe(Listener listener) {
  MutexLock lock(listeners_mu_);
  const uint64_t token = next_token_++;
  listeners_.emplace(token, std::move(listener));
  listener_count_ = listeners_.size();
  return token;
}

void ChangeBus::Unsubscribe(uint64_t token) {
  MutexLock lock(listeners_mu_);
  listeners_.erase(token);
  listener_count_ = listeners_.size();
}

void ChangeBus::Publish(std::vector<ChangeRecord> changes) {
  if (changes.empty() || listener_count_ == 0) return;
  auto statement = std::make_shared<const std::vector<ChangeRecord>>(std::move(changes));
  bool was_empty = false;
  {
    MutexLock lock(queue_mu_);
    was_empty = queue_.empty();
    queue_.push_back(std::move(statement));
    ++published_;
  }
  // The delivery thread drains the whole queue once awake: wake it only when it may sleep.
  if (was_empty) queue_changed_.notify_all();
}

void ChangeBus::Flush() {
  std::unique_lock<Mutex> lock(queue_mu_);
  const uint64_t target = published_;
  queue_changed_.wait(lock, [&]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return delivered_ >= target; });
}

void ChangeBus::DeliverUntilStopped() {
  for (;;) {
    Statement statement;
    {
      std::unique_lock<Mutex> lock(queue_mu_);
      queue_changed_.wait(
          lock, [this]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything was delivered
      statement = std::move(queue_.front());
      queue_.pop_front();
    }
    {
      MutexLock lock(listeners_mu_);
      for (const auto& [token, listener] : listeners_)
        listener(*statement);
    }
    {
      MutexLock lock(queue_mu_);
      ++delivered_;
    }
    queue_changed_.notify_all();
  }
}

}  // namespace kalam::tables

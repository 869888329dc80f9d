#include "live/connection.h"

namespace kalam::live {

bool Connection::Push(std::string message) {
  {
    MutexLock lock(mu_);
    if (closed_ || close_.has_value()) return false;
    if (queue_.size() >= max_messages_ || queued_bytes_ + message.size() > max_bytes_) {
      return false;
    }
    queued_bytes_ += message.size();
    queue_.push_back(std::move(message));
  }
  wake_();
  return true;
}

bool Connection::PushFinal(std::string message) {
  {
    MutexLock lock(mu_);
    if (closed_ || close_.has_value()) return false;
    queued_bytes_ += message.size();
    queue_.push_back(std::move(message));
  }
  wake_();
  return true;
}

bool Connection::WaitForRoom(size_t bytes, std::chrono::milliseconds timeout) {
  std::unique_lock<Mutex> lock(mu_);
  return room_.wait_for(
             lock, timeout,
             [&]() KALAM_NO_THREAD_SAFETY_ANALYSIS {
               return closed_ || close_.has_value() ||
                      (queue_.size() < max_messages_ && queued_bytes_ + bytes <= max_bytes_);
             }) &&
         !closed_ && !close_.has_value();
}

void Connection::RequestClose(CloseRequest request) {
  {
    MutexLock lock(mu_);
    if (closed_ || close_.has_value()) return;
    close_ = std::move(request);
  }
  room_.notify_all();
  wake_();
}

size_t Connection::Pop(std::deque<std::string>& into, size_t max_messages, size_t max_bytes) {
  size_t moved = 0;
  {
    MutexLock lock(mu_);
    size_t bytes = 0;
    for (; moved < max_messages && !queue_.empty(); ++moved) {
      if (moved > 0 && bytes + queue_.front().size() > max_bytes) break;
      bytes += queue_.front().size();
      queued_bytes_ -= queue_.front().size();
      into.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  if (moved > 0) room_.notify_all();
  return moved;
}

std::optional<CloseRequest> Connection::CloseDue() const {
  MutexLock lock(mu_);
  if (!queue_.empty()) return std::nullopt;
  return close_;
}

void Connection::MarkClosed() {
  {
    MutexLock lock(mu_);
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
  }
  room_.notify_all();
}

bool Connection::closing() const {
  MutexLock lock(mu_);
  return closed_ || close_.has_value();
}

}  // namespace kalam::live

#pragma once

#include <mutex>

#include "common/thread_annotations.h"

namespace kalam {

// A std::mutex that clang's thread-safety analysis understands. Use with MutexLock and
// KALAM_GUARDED_BY / KALAM_REQUIRES on the data and functions it protects.
class KALAM_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  ~Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() KALAM_ACQUIRE() { mu_.lock(); }
  void Unlock() KALAM_RELEASE() { mu_.unlock(); }

  // For std::condition_variable_any, which needs BasicLockable.
  void lock() KALAM_ACQUIRE() { mu_.lock(); }
  void unlock() KALAM_RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds `mu` for its scope.
class KALAM_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) KALAM_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() KALAM_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace kalam

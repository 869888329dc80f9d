#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/mutex.h"

namespace kalam::api {

// Requests per second per key (user id): a fixed one-second window, so a user gets at
// most `per_second` requests in any calendar second. 0 disables the limit.
//
// Thread-safety: Allow may be called concurrently.
class RateLimiter {
 public:
  explicit RateLimiter(int64_t per_second) : per_second_(per_second) {}

  // Counts one request for `key` at `now_millis`; false when it is over the limit.
  bool Allow(const std::string& key, int64_t now_millis) KALAM_EXCLUDES(mu_);

 private:
  struct Window {
    int64_t second = 0;
    int64_t count = 0;
  };
  const int64_t per_second_;
  Mutex mu_;
  std::unordered_map<std::string, Window> windows_ KALAM_GUARDED_BY(mu_);
};

}  // namespace kalam::api

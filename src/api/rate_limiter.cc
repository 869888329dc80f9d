#include "api/rate_limiter.h"

namespace kalam::api {

bool RateLimiter::Allow(const std::string& key, int64_t now_millis) {
  if (per_second_ <= 0) return true;
  const int64_t second = now_millis / 1000;
  MutexLock lock(mu_);
  if (windows_.size() > 100'000) {  // forget idle users so memory stays bounded
    std::erase_if(windows_, [&](const auto& entry) { return entry.second.second < second; });
  }
  Window& window = windows_[key];
  if (window.second != second) window = {second, 0};
  return ++window.count <= per_second_;
}

}  // namespace kalam::api

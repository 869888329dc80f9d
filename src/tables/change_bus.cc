#include "tables/change_bus.h"

namespace kalam::tables {

uint64_t ChangeBus::Subscribe(Listener listener) {
  MutexLock lock(mu_);
  const uint64_t token = next_token_++;
  listeners_.emplace(token, std::move(listener));
  return token;
}

void ChangeBus::Unsubscribe(uint64_t token) {
  MutexLock lock(mu_);
  listeners_.erase(token);
}

void ChangeBus::Publish(std::span<const ChangeRecord> changes) {
  if (changes.empty()) return;
  MutexLock lock(mu_);
  for (const auto& [token, listener] : listeners_)
    listener(changes);
}

}  // namespace kalam::tables

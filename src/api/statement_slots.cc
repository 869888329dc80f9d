#include "api/statement_slots.h"

namespace kalam::api {

StatementSlots::Slot::~Slot() {
  if (slots_ != nullptr) slots_->Release(user_id_);
}

std::optional<StatementSlots::Slot> StatementSlots::TryAcquire(const std::string& user_id) {
  {
    MutexLock lock(mu_);
    size_t& running = running_[user_id];
    if (running >= per_user_) {
      if (running == 0) running_.erase(user_id);
      return std::nullopt;
    }
    ++running;
  }
  return Slot(*this, user_id);
}

void StatementSlots::Release(const std::string& user_id) {
  MutexLock lock(mu_);
  const auto it = running_.find(user_id);
  if (it != running_.end() && --it->second == 0) running_.erase(it);
}

}  // namespace kalam::api

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/mutex.h"

namespace kalam::api {

// Counts the statements (SQL requests) each user has running, so one user can never hold
// every query worker: beyond `per_user` a request is refused instead of queued.
//
// Thread-safety: all methods may be called concurrently; a Slot may be released on any
// thread.
class StatementSlots {
 public:
  explicit StatementSlots(size_t per_user) : per_user_(per_user) {}
  StatementSlots(const StatementSlots&) = delete;
  StatementSlots& operator=(const StatementSlots&) = delete;

  // One running statement of a user; the slot is free again when it is destroyed.
  class Slot {
   public:
    ~Slot();
    Slot(Slot&& other) noexcept : slots_(other.slots_), user_id_(std::move(other.user_id_)) {
      other.slots_ = nullptr;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;

   private:
    friend class StatementSlots;
    Slot(StatementSlots& slots, std::string user_id)
        : slots_(&slots), user_id_(std::move(user_id)) {}
    StatementSlots* slots_;  // nullptr once moved from
    std::string user_id_;
  };

  // A slot for `user_id`, or nullopt when the user already runs `per_user()` statements.
  std::optional<Slot> TryAcquire(const std::string& user_id) KALAM_EXCLUDES(mu_);
  size_t per_user() const { return per_user_; }

 private:
  void Release(const std::string& user_id) KALAM_EXCLUDES(mu_);

  const size_t per_user_;
  Mutex mu_;
  std::unordered_map<std::string, size_t> running_ KALAM_GUARDED_BY(mu_);  // no zero entries
};

}  // namespace kalam::api

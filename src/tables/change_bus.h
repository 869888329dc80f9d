#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/mutex.h"
#include "common/value.h"

namespace kalam::tables {

// One committed change of one row: what live queries receive.
struct ChangeRecord {
  enum class Op : uint8_t { kInsert, kUpdate, kDelete };
  TableId table_id;
  std::string scope;  // user id for USER/STREAM rows, "" for SHARED
  Op op = Op::kInsert;
  std::vector<Value> old_row;  // empty for inserts
  std::vector<Value> new_row;  // for deletes: the tombstone carries the old values
  int64_t seq = 0;             // the _seq of the version this change wrote
};

// Hands committed changes to listeners, statement by statement, in commit order. Only
// the commit point publishes; listeners must not block (they enqueue and return).
//
// Thread-safety: all methods may be called concurrently. Publish calls listeners while
// holding the bus lock, which is what keeps every listener's view in commit order.
class ChangeBus {
 public:
  using Listener = std::function<void(std::span<const ChangeRecord> changes)>;

  ChangeBus() = default;
  ~ChangeBus() = default;
  ChangeBus(const ChangeBus&) = delete;
  ChangeBus& operator=(const ChangeBus&) = delete;

  // Returns a token for Unsubscribe. The listener sees changes committed after this call.
  uint64_t Subscribe(Listener listener) KALAM_EXCLUDES(mu_);
  // Idempotent; after it returns the listener is never called again.
  void Unsubscribe(uint64_t token) KALAM_EXCLUDES(mu_);
  void Publish(std::span<const ChangeRecord> changes) KALAM_EXCLUDES(mu_);

 private:
  Mutex mu_;
  uint64_t next_token_ KALAM_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Listener> listeners_ KALAM_GUARDED_BY(mu_);
};

}  // namespace kalam::tables

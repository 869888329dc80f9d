#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "common/mutex.h"
#include "common/value.h"

namespace kalam::tables {

// One committed change of one row: what live queries receive.
struct ChangeRecord {
  enum class Op : uint8_t { kInsert, kUpdate, kDelete };
  TableId table_id;
  uint32_t schema_version = 0;  // the table schema the rows are laid out in
  std::string scope;            // user id for USER/STREAM rows, "" for SHARED
  Op op = Op::kInsert;
  std::vector<Value> old_row;  // empty for inserts
  std::vector<Value> new_row;  // for deletes: the tombstone carries the old values
  int64_t seq = 0;             // the _seq of the version this change wrote
  int64_t old_seq = 0;         // the _seq of the version it replaced (0 for inserts)
};

// Hands committed changes to listeners, statement by statement, in commit order, without
// making writers wait for them: the commit point appends the statement's changes to a
// queue (Publish, O(1) under a short lock), and the bus's delivery thread calls the
// listeners from it. Filtering, encoding and fan-out therefore never run under the commit
// lock. Listeners run one at a time on that thread and must not block (they route and
// enqueue). The queue holds what listeners have not taken yet; it is drained as fast as
// they return.
//
// Thread-safety: all methods may be called concurrently.
class ChangeBus {
 public:
  using Listener = std::function<void(std::span<const ChangeRecord> changes)>;

  ChangeBus();
  // Delivers what is queued, then stops the delivery thread.
  ~ChangeBus();
  ChangeBus(const ChangeBus&) = delete;
  ChangeBus& operator=(const ChangeBus&) = delete;

  // Returns a token for Unsubscribe. The listener receives every statement published after
  // this call (and possibly some published just before and not yet delivered: each
  // change's `seq` says when it committed).
  uint64_t Subscribe(Listener listener) KALAM_EXCLUDES(listeners_mu_);
  // Idempotent; after it returns the listener is never called again (a delivery in
  // progress is waited for).
  void Unsubscribe(uint64_t token) KALAM_EXCLUDES(listeners_mu_);
  // Queues one statement's changes for delivery. Called by the commit point, in commit order.
  // With no listener there is nobody to deliver to, and nothing is queued.
  void Publish(std::vector<ChangeRecord> changes) KALAM_EXCLUDES(queue_mu_);
  // Returns once every statement published before the call has been delivered.
  void Flush() KALAM_EXCLUDES(queue_mu_);

 private:
  using Statement = std::shared_ptr<const std::vector<ChangeRecord>>;

  void DeliverUntilStopped() KALAM_EXCLUDES(queue_mu_, listeners_mu_);

  Mutex queue_mu_;
  std::condition_variable_any queue_changed_;
  std::deque<Statement> queue_ KALAM_GUARDED_BY(queue_mu_);
  uint64_t published_ KALAM_GUARDED_BY(queue_mu_) = 0;
  uint64_t delivered_ KALAM_GUARDED_BY(queue_mu_) = 0;
  bool stopping_ KALAM_GUARDED_BY(queue_mu_) = false;

  std::atomic<size_t> listener_count_{0};  // read by Publish without the listeners' lock
  Mutex listeners_mu_;                     // held while listeners run
  uint64_t next_token_ KALAM_GUARDED_BY(listeners_mu_) = 1;
  std::map<uint64_t, Listener> listeners_ KALAM_GUARDED_BY(listeners_mu_);

  std::jthread delivery_;  // last: starts after, and stops before, everything above
};

}  // namespace kalam::tables

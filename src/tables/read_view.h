#pragma once

#include <cstdint>
#include <memory>

#include "storage/kv_store.h"

namespace kalam::tables {

// One statement's view of user data: a snapshot of the hot store and the statement's clock
// reading (STREAM events expire against it), taken once. Every read of the statement goes
// through the same view, so a self-join, a subquery or a view's scans never see two
// states. The cold tier's segment list will be taken with the snapshot.
//
// Immutable and shared by the statement's scans; it must be released before the store
// stops.
class ReadView {
 public:
  // REQUIRES: `kv` outlives the view.
  static std::shared_ptr<const ReadView> Open(const storage::KvStore& kv, int64_t now_millis) {
    return std::shared_ptr<const ReadView>(new ReadView(kv, kv.GetSnapshot(), now_millis));
  }
  // The latest committed state at each read, not a snapshot: for the commit point, which
  // reads under its lock, and for single point reads.
  static std::shared_ptr<const ReadView> Current(const storage::KvStore& kv, int64_t now_millis) {
    return std::shared_ptr<const ReadView>(new ReadView(kv, nullptr, now_millis));
  }
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  const storage::KvStore& kv() const { return kv_; }
  const storage::Snapshot* snapshot() const { return snapshot_.get(); }  // null: Current()
  int64_t now_millis() const { return now_millis_; }

 private:
  ReadView(const storage::KvStore& kv, std::shared_ptr<const storage::Snapshot> snapshot,
           int64_t now_millis)
      : kv_(kv), snapshot_(std::move(snapshot)), now_millis_(now_millis) {}

  const storage::KvStore& kv_;
  const std::shared_ptr<const storage::Snapshot> snapshot_;
  const int64_t now_millis_;
};

}  // namespace kalam::tables

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "catalog/schema_registry.h"
#include "common/result.h"
#include "storage/kv_store.h"
#include "tables/hot_layout.h"

namespace kalam::tables {

struct ScopeScanOptions {
  bool include_deleted = false;  // return tombstones (the latest version of a deleted row)
  int64_t now_millis = 0;        // STREAM events older than the table's TTL are never returned
};

// Streams the visible rows of one table scope from one snapshot, a batch at a time, never
// holding the scope in memory. It walks the scope's row versions in _seq order and keeps a
// version only when the primary-key index, read at the same snapshot, points at it (one
// MultiGet per batch): that is the latest version of its key, found without remembering
// the keys already seen. Walking the rows rather than the index keeps the reads sequential
// (the index lookups are small and batched) and costs one lookup per version. STREAM
// tables have no index and no versions: every unexpired event is returned.
//
// Owns its snapshot and iterator, so it must be destroyed before the store stops. Not
// thread-safe.
class ScopeScan {
 public:
  ScopeScan(const storage::KvStore& kv, std::shared_ptr<const catalog::CachedTable> table,
            const std::string& scope, ScopeScanOptions options);
  ScopeScan(const ScopeScan&) = delete;
  ScopeScan& operator=(const ScopeScan&) = delete;

  // Replaces `out` with the next visible rows (at most `max_rows`, REQUIRES: > 0); an empty
  // `out` means the scan is done. kCorruption for an undecodable row or index entry.
  Status Next(size_t max_rows, std::vector<RowVersion>& out);

  // Row versions read from the store so far (memory per scan is bounded by the batch).
  uint64_t versions_read() const { return versions_read_; }

 private:
  // Reads up to `max_rows` unexpired versions into `batch`.
  Status ReadBatch(size_t max_rows, std::vector<RowVersion>& batch);
  // Keeps the versions of `batch` the primary-key index points at.
  Status KeepLatest(std::vector<RowVersion>& batch) const;
  bool Expired(const RowVersion& version) const;

  const storage::KvStore& kv_;
  const std::shared_ptr<const catalog::CachedTable> table_;
  const std::string scope_;
  const ScopeScanOptions options_;
  const std::shared_ptr<const storage::Snapshot> snapshot_;
  const std::unique_ptr<storage::KvIterator> rows_;
  uint64_t versions_read_ = 0;
};

}  // namespace kalam::tables

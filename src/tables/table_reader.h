#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/schema_registry.h"
#include "common/result.h"
#include "storage/kv_store.h"
#include "tables/hot_layout.h"
#include "tables/read_view.h"

namespace kalam::tables {

// What one table reference of a statement reads. The table is resolved
// once, by id, when the statement is analysed: what was authorised is what is read, at the
// schema version that was checked.
struct ScanSpec {
  std::shared_ptr<const catalog::CachedTable> table;
  std::string scope;  // the owning user id (USER/STREAM tables) or "" (SHARED)
  // Every scope of the table, one after the other (ALTER's checks of stored rows); `scope`
  // is then ignored and each row tells its own (RowVersion::scope).
  bool every_scope = false;
  bool include_deleted = false;  // tombstones too (the latest version of a deleted row)
  // Every stored version in _seq order, superseded ones and tombstones included, not just
  // the latest per key: the change history a live query resumes from.
  bool all_versions = false;
  // Only rows whose visible version has min_seq < _seq <= max_seq (live-query snapshots
  // and resume). Bounds narrow the key range read; they do not change which version is
  // the latest.
  std::optional<int64_t> min_seq;
  std::optional<int64_t> max_seq;
  // Only the row with this primary key (of the key's type): read through the primary-key
  // index instead of walking the scope. REQUIRES: the table has the index (not STREAM).
  std::optional<Value> primary_key;
};

// The only reader of the hot layout: streams the visible rows of one table scope from a
// statement's ReadView, a batch at a time, never holding the scope in memory. It walks the
// scope's row versions in _seq order and keeps a version only when the primary-key index,
// read at the same view (one MultiGet per batch), points at it: that is the latest version
// of its key, found without remembering the keys already seen. Walking the rows rather
// than the index keeps the reads sequential and costs one batched lookup per version.
// STREAM tables have no index and no versions: every unexpired event is returned; events
// older than the table's TTL at the view's clock never are.
//
// Holds the view and an iterator, so it must be destroyed before the store stops. Not
// thread-safe.
class TableReader {
 public:
  TableReader(std::shared_ptr<const ReadView> view, ScanSpec spec);
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // Replaces `out` with the next visible rows (at most `max_rows`, REQUIRES: > 0); an empty
  // `out` means the scan is done. kCorruption for an undecodable row or index entry.
  Status Next(size_t max_rows, std::vector<RowVersion>& out);

  // Row versions read from the store so far (memory per scan is bounded by the batch).
  uint64_t versions_read() const { return versions_read_; }

  // The latest live version of the row with `primary_key` in `view` (a tombstone only if
  // `include_deleted`), or nullopt. The primary-key fast paths use it.
  static Result<std::optional<RowVersion>> Get(const ReadView& view,
                                               const catalog::CachedTable& table,
                                               std::string_view scope, const Value& primary_key,
                                               bool include_deleted = false);

  // How many row versions (tombstones included) one scope holds in `view` (SHOW STATS).
  static Result<uint64_t> CountVersions(const ReadView& view, const catalog::CachedTable& table,
                                        std::string_view scope);

 private:
  // The one row of a spec with a primary key, on the first call; nothing after.
  Status NextByKey(std::vector<RowVersion>& out);
  // Reads up to `max_rows` unexpired versions into `batch`.
  Status ReadBatch(size_t max_rows, std::vector<RowVersion>& batch);
  // Keeps the versions of `batch` the primary-key index points at.
  Status KeepLatest(std::vector<RowVersion>& batch) const;
  bool Expired(const RowVersion& version) const;

  const std::shared_ptr<const ReadView> view_;
  const ScanSpec spec_;
  const std::unique_ptr<storage::KvIterator> rows_;  // null for a primary-key read
  uint64_t versions_read_ = 0;
  bool key_read_ = false;
};

}  // namespace kalam::tables

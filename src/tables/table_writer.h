#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/schema_registry.h"
#include "common/mutex.h"
#include "common/snowflake.h"
#include "storage/kv_store.h"
#include "tables/change_bus.h"
#include "tables/hot_layout.h"
#include "tables/read_view.h"

namespace kalam::tables {

// The single commit point of user data. Each call
// writes one statement: every new row version, tombstone and primary-key index update in
// one RocksDB batch (all or nothing), and then hands the statement's changes to the
// ChangeBus. No write path bypasses it.
//
// Rows are given already coerced and with defaults filled, one value per column of the
// table's current schema. `scope` is the owning user id (USER/STREAM) or "" (SHARED).
//
// Thread-safety: all methods may be called concurrently. Commits are serialized (ADR
// 0009): the primary-key checks, _seq assignment, write and publish form one critical
// section, so uniqueness has no check-then-write race and _seq increases in commit order.
// Schema changes commit in that same critical section (CommitSchemaChange, ADR 0017): rows are
// checked against a new schema with no commit in between, and rows prepared against a
// schema that has since been replaced are refused, never stored.
class TableWriter {
 public:
  TableWriter(storage::KvStore& kv, SnowflakeGenerator& snowflake, ChangeBus& bus)
      : kv_(kv), snowflake_(snowflake), bus_(bus) {}
  ~TableWriter() = default;
  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;

  // Returns the number of rows written. kInvalidArgument for a NULL in a NOT NULL column
  // or a malformed row; kConflict "Primary key violation: …" if a key exists (hot) or
  // repeats within the statement. On any error nothing is written.
  Result<size_t> Insert(const catalog::CachedTable& table, const std::string& scope,
                        const std::vector<std::vector<Value>>& rows) KALAM_EXCLUDES(commit_mu_);

  // Writes each row as the new version of the row with its primary key; rows whose key
  // does not exist (or is deleted) are skipped. Returns the number updated.
  // `expected_seqs` (optional, one per row): the _seq the caller read the row at; if the
  // row has changed since, the whole statement fails with kConflict instead of silently
  // overwriting a concurrent update.
  Result<size_t> Update(const catalog::CachedTable& table, const std::string& scope,
                        const std::vector<std::vector<Value>>& rows,
                        const std::vector<int64_t>& expected_seqs = {}) KALAM_EXCLUDES(commit_mu_);

  // Writes a tombstone (carrying the old values) for each existing key. Returns the number
  // deleted. `expected_seqs` as for Update.
  Result<size_t> Delete(const catalog::CachedTable& table, const std::string& scope,
                        const std::vector<Value>& primary_keys,
                        const std::vector<int64_t>& expected_seqs = {}) KALAM_EXCLUDES(commit_mu_);

  // STREAM tables: removes the events with these _seq values (physically; streams keep no
  // history). Returns the number removed.
  Result<size_t> DeleteEvents(const catalog::CachedTable& table, const std::string& scope,
                              const std::vector<int64_t>& seqs) KALAM_EXCLUDES(commit_mu_);

  // STREAM tables: physically removes up to `max_events` events older than `cutoff_seq`
  // (expired by the TTL; readers skip them already), oldest first in each scope. Returns how
  // many; fewer than `max_events` means none older is left. kConflict (nothing deleted) if
  // the table was altered since `table` was read: read it again and recompute the cutoff.
  Result<size_t> EvictEvents(const catalog::CachedTable& table, int64_t cutoff_seq,
                             size_t max_events) KALAM_EXCLUDES(commit_mu_);

  // Deletes every row version, index entry and event of `scope` (a dropped user's data) in
  // `tables`, in one write at the commit point.
  Status DeleteScope(std::span<const std::shared_ptr<const catalog::CachedTable>> tables,
                     const std::string& scope) KALAM_EXCLUDES(commit_mu_);

  // Commits a DROP of `tables` (catalog::Catalog::DropCommit): adds the deletion of their
  // rows to `batch` and writes it at the commit point. A statement that resolved one of
  // these tables before the drop and commits after it fails with kTableNotFound and writes
  // nothing, so no row outlives its table. Dropped ids are remembered for the process's
  // life (ids are never reused; a restart re-resolves every table).
  Status CommitTableDrop(storage::WriteBatch& batch, const std::vector<TableId>& tables)
      KALAM_EXCLUDES(commit_mu_);

  // Commits a schema change (catalog::Catalog::AlterCommit): runs `check` (which may read
  // the table's stored rows through CurrentReadView), writes `batch`, the new schema
  // `altered`, and calls `written` (the catalog caches the new version), all with no commit
  // in between, so no row lands between the checks and the new schema. Afterwards a write
  // prepared against an older schema version of the table fails with kConflict and writes
  // nothing (IsCurrent then tells the caller to prepare it again). An error of `check` is
  // returned and nothing is written.
  // REQUIRES: `check` and `written` do not call the writer's commit methods.
  Status CommitSchemaChange(storage::WriteBatch& batch, const catalog::CachedTable& altered,
                            const std::function<Status()>& check,
                            const std::function<void()>& written) KALAM_EXCLUDES(commit_mu_);

  // Whether `table` is still the latest schema version of its table that a schema change
  // committed (true for tables unchanged since start): rows prepared with it can commit.
  bool IsCurrent(const catalog::CachedTable& table) const KALAM_EXCLUDES(commit_mu_);

  // A view of everything committed so far: what one statement reads through.
  std::shared_ptr<const ReadView> OpenReadView(int64_t now_millis) const {
    return ReadView::Open(kv_, now_millis);
  }
  // A view of everything committed so far and the _seq of the last change it holds, taken
  // together at the commit point: every change in the view has _seq <= last_seq and every
  // change committed later has _seq > last_seq. A live query's snapshot is read from the
  // view and the changes after it are told apart by that bound.
  struct PinnedView {
    std::shared_ptr<const ReadView> view;
    int64_t last_seq = 0;
  };
  Result<PinnedView> OpenPinnedView(int64_t now_millis) const KALAM_EXCLUDES(commit_mu_);

  // The latest committed state at each read, without a snapshot: enough for one point read
  // (an index entry, then the immutable row version it names), and cheaper than taking a
  // snapshot on the primary-key fast paths.
  std::shared_ptr<const ReadView> CurrentReadView() const { return ReadView::Current(kv_, 0); }

 private:
  // The latest live version of the row with `primary_key`, read now (not at a snapshot).
  Result<std::optional<RowVersion>> Latest(const catalog::CachedTable& table,
                                           const std::string& scope,
                                           const Value& primary_key) const;
  Result<std::optional<PrimaryKeyEntry>> LookUp(const std::string& pk_key) const;
  Result<size_t> Commit(storage::WriteBatch& batch, std::vector<ChangeRecord>& changes)
      KALAM_REQUIRES(commit_mu_);
  // kTableNotFound if `table` was dropped after the statement resolved it; kConflict if a
  // schema change replaced it.
  Status CheckCurrent(const catalog::CachedTable& table) const KALAM_REQUIRES(commit_mu_);

  storage::KvStore& kv_;
  SnowflakeGenerator& snowflake_;
  ChangeBus& bus_;
  mutable Mutex commit_mu_;
  std::set<TableId> dropped_ KALAM_GUARDED_BY(commit_mu_);
  // The _seq of the last change committed, or (before the first commit of this process) a
  // Snowflake id drawn when first asked, which is above every _seq stored before.
  mutable int64_t last_seq_ KALAM_GUARDED_BY(commit_mu_) = 0;
  // The schema version of each table a schema change committed since start.
  std::unordered_map<TableId, uint32_t> schema_versions_ KALAM_GUARDED_BY(commit_mu_);
};

}  // namespace kalam::tables

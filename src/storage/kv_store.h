#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/server_config.h"

namespace kalam::storage {

// A named key space of the hot store (one RocksDB column family each). The set is fixed:
// tables share partitions, their keys prefixed by the table's internal id, so creating
// or dropping a table never creates or drops a column family.
enum class Partition : uint8_t {
  kSystem,      // catalog records, schema versions, jobs, users, manifests (EntityStore)
  kUserRows,    // USER table row versions
  kSharedRows,  // SHARED table row versions
  kStreamRows,  // STREAM table events
  kPrimaryKey,  // primary-key index: latest _seq per key, hot and cold
};
inline constexpr Partition kAllPartitions[] = {Partition::kSystem, Partition::kUserRows,
                                               Partition::kSharedRows, Partition::kStreamRows,
                                               Partition::kPrimaryKey};

// The column family name of a partition (stable on disk).
std::string_view PartitionName(Partition partition);

// Keys in [begin, end). An empty `end` means no upper bound.
struct KeyRange {
  std::string begin;
  std::string end;

  static KeyRange All() { return {}; }
  static KeyRange Prefix(std::string_view prefix);  // every key starting with `prefix`
};

// Mutations applied together by KvStore::Write: all of them, or none.
class WriteBatch {
 public:
  struct Op {
    enum class Kind : uint8_t { kPut, kDelete, kDeleteRange };
    Kind kind;
    Partition partition;
    std::string key;    // the begin key for kDeleteRange
    std::string value;  // the end key (exclusive) for kDeleteRange
  };

  void Put(Partition partition, std::string_view key, std::string_view value);
  void Delete(Partition partition, std::string_view key);
  // Deletes every key in [begin, end). Write() refuses the whole batch if begin > end.
  void DeleteRange(Partition partition, std::string_view begin, std::string_view end);

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

// A consistent point-in-time view. Reads through it never see later writes. It must be
// released (destroyed) before the store is stopped.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

// A forward or reverse cursor over one partition and key range.
// Not thread-safe; must be destroyed before the store is stopped.
class KvIterator {
 public:
  virtual ~KvIterator() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // REQUIRES: Valid(). Views stay valid until the next Next() call.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-OK if iteration stopped because of an error rather than the end of the range.
  virtual Status status() const = 0;
};

struct ReadOptions {
  const Snapshot* snapshot = nullptr;  // null: the latest committed state
  bool reverse = false;                // iterate from the end of the range backwards
};

// The durable, ordered hot store. Nothing outside src/storage/ includes a RocksDB header;
// everything reaches RocksDB through this interface.
//
// Thread-safety: every method may be called concurrently, except Stop().
class KvStore {
 public:
  virtual ~KvStore() = default;

  // Returns the value of `key`, std::nullopt if absent, or kIOError/kCorruption.
  virtual Result<std::optional<std::string>> Get(Partition partition, std::string_view key,
                                                 const Snapshot* snapshot = nullptr) const = 0;

  // The values of `keys` (std::nullopt where absent), in order, read together: cheaper than
  // one Get per key (RocksDB batches the lookups).
  virtual Result<std::vector<std::optional<std::string>>> MultiGet(
      Partition partition, std::span<const std::string> keys,
      const Snapshot* snapshot = nullptr) const = 0;

  // Applies `batch` atomically: after OK every mutation is durable (per the configured
  // sync policy) and visible; after an error none is.
  virtual Status Write(const WriteBatch& batch) = 0;

  virtual std::shared_ptr<const Snapshot> GetSnapshot() const = 0;

  virtual std::unique_ptr<KvIterator> NewIterator(Partition partition, const KeyRange& range,
                                                  const ReadOptions& options = {}) const = 0;

  // Forces the write-ahead log to disk now.
  virtual Status SyncWal() = 0;

  // Stops background work, syncs the WAL and closes the database. Idempotent. REQUIRES:
  // no other call in flight and every Snapshot and KvIterator released.
  virtual void Stop() = 0;

  // Calls `visit` for each entry of `range` in key order (or reverse), until it returns
  // false. REQUIRES: `visit` does not write to this store.
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  Status Scan(Partition partition, const KeyRange& range, const Visitor& visit,
              const ReadOptions& options = {}) const;
};

// Opens, creating if needed, the RocksDB store in `path` with the tuning of `options`.
// Errors: kIOError (unwritable dir, already open by another process), kCorruption,
// kInvalidArgument (a column family this build does not know: written by a newer build).
Result<std::unique_ptr<KvStore>> OpenRocksKvStore(const std::string& path,
                                                  const config::StorageSection& options);

}  // namespace kalam::storage

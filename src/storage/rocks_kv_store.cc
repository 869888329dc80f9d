// The only file that talks to RocksDB. Options are chosen for a durable server store:
// WAL always on, paranoid checks, a shared LRU block cache, bloom filters for point reads.
#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <thread>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "common/log.h"
#include "common/mutex.h"
#include "storage/kv_store.h"
#include "storage/rocks_status.h"

namespace kalam::storage {
namespace {

constexpr size_t kPartitionCount = std::size(kAllPartitions);

rocksdb::CompressionType ToCompression(const std::string& name) {
  if (name == "lz4") return rocksdb::kLZ4Compression;
  if (name == "zstd") return rocksdb::kZSTD;
  if (name == "snappy") return rocksdb::kSnappyCompression;
  return rocksdb::kNoCompression;
}

rocksdb::Slice ToSlice(std::string_view view) {
  return {view.data(), view.size()};
}
std::string_view ToView(const rocksdb::Slice& slice) {
  return {slice.data(), slice.size()};
}

class RocksSnapshot final : public Snapshot {
 public:
  RocksSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot)
      : db_(db), snapshot_(snapshot) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snapshot_); }
  RocksSnapshot(const RocksSnapshot&) = delete;
  RocksSnapshot& operator=(const RocksSnapshot&) = delete;

  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

const rocksdb::Snapshot* Unwrap(const Snapshot* snapshot) {
  return snapshot == nullptr ? nullptr : static_cast<const RocksSnapshot*>(snapshot)->get();
}

class RocksIterator final : public KvIterator {
 public:
  RocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family, KeyRange range,
                const ReadOptions& options)
      : range_(std::move(range)),
        reverse_(options.reverse),
        lower_(ToSlice(range_.begin)),
        upper_(ToSlice(range_.end)) {
    rocksdb::ReadOptions read;
    read.snapshot = Unwrap(options.snapshot);
    read.iterate_lower_bound = &lower_;
    if (!range_.end.empty() && !reverse_) read.iterate_upper_bound = &upper_;
    it_.reset(db->NewIterator(read, family));
    if (!reverse_) {
      it_->Seek(lower_);
    } else if (range_.end.empty()) {
      it_->SeekToLast();
    } else {
      it_->SeekForPrev(upper_);
      if (it_->Valid() && ToView(it_->key()) == range_.end) it_->Prev();
    }
  }

  bool Valid() const override { return it_->Valid(); }
  void Next() override { reverse_ ? it_->Prev() : it_->Next(); }
  std::string_view key() const override { return ToView(it_->key()); }
  std::string_view value() const override { return ToView(it_->value()); }
  Status status() const override { return FromRocks(it_->status(), "scan"); }

 private:
  const KeyRange range_;  // owns the bytes the bound slices point at
  const bool reverse_;
  const rocksdb::Slice lower_;
  const rocksdb::Slice upper_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksKvStore final : public KvStore {
 public:
  RocksKvStore(std::unique_ptr<rocksdb::DB> db,
               std::array<rocksdb::ColumnFamilyHandle*, kPartitionCount> families,
               const config::StorageSection& options)
      : db_(std::move(db)), families_(families) {
    write_options_.sync = options.sync_writes;
    if (!options.sync_writes && options.wal_sync_interval_ms > 0) {
      const auto interval = std::chrono::milliseconds(options.wal_sync_interval_ms);
      wal_syncer_ = std::jthread(
          [this, interval](const std::stop_token& stop) { SyncWalPeriodically(stop, interval); });
    }
  }
  ~RocksKvStore() override { Stop(); }
  RocksKvStore(const RocksKvStore&) = delete;
  RocksKvStore& operator=(const RocksKvStore&) = delete;

  Result<std::optional<std::string>> Get(Partition partition, std::string_view key,
                                         const Snapshot* snapshot) const override {
    rocksdb::ReadOptions read;
    read.snapshot = Unwrap(snapshot);
    std::string value;
    const rocksdb::Status status = db_->Get(read, Family(partition), ToSlice(key), &value);
    if (status.IsNotFound()) return std::optional<std::string>();
    KALAM_RETURN_IF_ERROR(FromRocks(status, "get"));
    return std::optional<std::string>(std::move(value));
  }

  Result<std::vector<std::optional<std::string>>> MultiGet(
      Partition partition, std::span<const std::string> keys,
      const Snapshot* snapshot) const override {
    rocksdb::ReadOptions read;
    read.snapshot = Unwrap(snapshot);
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (const std::string& key : keys)
      slices.emplace_back(key);
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(read, Family(partition), keys.size(), slices.data(), values.data(),
                  statuses.data());
    std::vector<std::optional<std::string>> result(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      KALAM_RETURN_IF_ERROR(FromRocks(statuses[i], "multi-get"));
      result[i] = values[i].ToString();
    }
    return result;
  }

  Status Write(const WriteBatch& batch) override {
    rocksdb::WriteBatch rocks_batch;
    for (const WriteBatch::Op& op : batch.ops()) {
      KALAM_RETURN_IF_ERROR(AddToBatch(op, rocks_batch));
    }
    return FromRocks(db_->Write(write_options_, &rocks_batch), "write");
  }

  std::shared_ptr<const Snapshot> GetSnapshot() const override {
    return std::make_shared<RocksSnapshot>(db_.get(), db_->GetSnapshot());
  }

  std::unique_ptr<KvIterator> NewIterator(Partition partition, const KeyRange& range,
                                          const ReadOptions& options) const override {
    return std::make_unique<RocksIterator>(db_.get(), Family(partition), range, options);
  }

  Status SyncWal() override { return FromRocks(db_->FlushWAL(/*sync=*/true), "sync wal"); }

  void Stop() override {
    if (db_ == nullptr) return;
    if (wal_syncer_.joinable()) {
      wal_syncer_.request_stop();
      wal_syncer_.join();
    }
    SyncWal().IgnoreError();  // Close() below reports real trouble; this only narrows loss
    for (rocksdb::ColumnFamilyHandle* family : families_) {
      db_->DestroyColumnFamilyHandle(family).PermitUncheckedError();
    }
    const Status closed = FromRocks(db_->Close(), "close");
    if (!closed.ok()) KALAM_LOG_ERROR("storage", "close failed error={}", closed.ToString());
    db_.reset();
    KALAM_LOG_INFO("storage", "closed");
  }

 private:
  rocksdb::ColumnFamilyHandle* Family(Partition partition) const {
    return families_[static_cast<size_t>(partition)];
  }

  Status AddToBatch(const WriteBatch::Op& op, rocksdb::WriteBatch& batch) const {
    rocksdb::ColumnFamilyHandle* family = Family(op.partition);
    switch (op.kind) {
      case WriteBatch::Op::Kind::kPut:
        return FromRocks(batch.Put(family, op.key, op.value), "batch put");
      case WriteBatch::Op::Kind::kDelete:
        return FromRocks(batch.Delete(family, op.key), "batch delete");
      case WriteBatch::Op::Kind::kDeleteRange:
        if (op.key > op.value) {
          return Status::InvalidArgument("delete range begin is after its end");
        }
        return FromRocks(batch.DeleteRange(family, op.key, op.value), "batch delete range");
    }
    return Status::Internal("unknown batch operation");
  }

  void SyncWalPeriodically(const std::stop_token& stop, std::chrono::milliseconds interval) {
    std::condition_variable_any wake;
    Mutex mu;
    std::unique_lock<Mutex> lock(mu);
    while (!wake.wait_for(lock, stop, interval, [] { return false; })) {
      if (stop.stop_requested()) break;
      const Status synced = SyncWal();
      if (!synced.ok()) KALAM_LOG_WARN("storage", "wal sync failed error={}", synced.ToString());
    }
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kPartitionCount> families_;
  rocksdb::WriteOptions write_options_;
  std::jthread wal_syncer_;  // declared last: stopped before the members it uses go away
};

rocksdb::Options MakeOptions(const config::StorageSection& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_background_jobs = static_cast<int>(options.max_background_jobs);
  db_options.keep_log_file_num = 5;
  db_options.max_log_file_size = 16 << 20;
  db_options.write_buffer_size = static_cast<size_t>(options.write_buffer_mb) << 20;
  // Point reads (the PK index, row versions) ask every memtable first; a whole-key bloom
  // filter per memtable lets a Get skip the ones that cannot hold the key.
  db_options.memtable_whole_key_filtering = true;
  db_options.memtable_prefix_bloom_size_ratio = 0.02;
  db_options.compression = ToCompression(options.compression);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(static_cast<size_t>(options.block_cache_mb) << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.format_version = 5;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return db_options;
}

}  // namespace

Result<std::unique_ptr<KvStore>> OpenRocksKvStore(const std::string& path,
                                                  const config::StorageSection& options) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return Status::IOError("cannot create " + path + ": " + error.message());

  const rocksdb::Options db_options = MakeOptions(options);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, db_options);
  for (const Partition partition : kAllPartitions) {
    descriptors.emplace_back(std::string(PartitionName(partition)), db_options);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  KALAM_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw_db),
                "open rocksdb at " + path));
  std::unique_ptr<rocksdb::DB> db(raw_db);
  // The default family is required by RocksDB but unused: every key lives in a partition.
  KALAM_RETURN_IF_ERROR(FromRocks(db->DestroyColumnFamilyHandle(handles[0]), "open"));
  std::array<rocksdb::ColumnFamilyHandle*, kPartitionCount> families{};
  std::copy(handles.begin() + 1, handles.end(), families.begin());
  KALAM_LOG_INFO("storage", "opened rocksdb path={} sync_writes={} wal_sync_interval_ms={}", path,
                 options.sync_writes, options.wal_sync_interval_ms);
  return std::unique_ptr<KvStore>(std::make_unique<RocksKvStore>(std::move(db), families, options));
}

}  // namespace kalam::storage

#include "storage/kv_store.h"

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::storage {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

class KvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() { ASSERT_OK_AND_ASSIGN(store_, OpenRocksKvStore(path(), options_)); }
  std::string path() const { return (dir_.path() / "rocksdb").string(); }

  void Put(Partition partition, const std::string& key, const std::string& value) {
    WriteBatch batch;
    batch.Put(partition, key, value);
    ASSERT_OK(store_->Write(batch));
  }

  std::optional<std::string> Get(Partition partition, const std::string& key,
                                 const Snapshot* snapshot = nullptr) {
    Result<std::optional<std::string>> value = store_->Get(partition, key, snapshot);
    EXPECT_OK(value);
    return value.ok() ? *value : std::nullopt;
  }

  Entries ScanAll(Partition partition, const KeyRange& range, const ReadOptions& options = {}) {
    Entries entries;
    EXPECT_OK(store_->Scan(
        partition, range,
        [&](std::string_view key, std::string_view value) {
          entries.emplace_back(key, value);
          return true;
        },
        options));
    return entries;
  }

  testing::TempDir dir_;
  config::StorageSection options_;
  std::unique_ptr<KvStore> store_;
};

TEST_F(KvStoreTest, GetReturnsNulloptForMissingKey) {
  EXPECT_EQ(Get(Partition::kUserRows, "missing"), std::nullopt);
}

TEST_F(KvStoreTest, MultiGetReadsKeysInOrderAtASnapshot) {
  Put(Partition::kPrimaryKey, "a", "1");
  Put(Partition::kPrimaryKey, "c", "3");
  const auto snapshot = store_->GetSnapshot();
  Put(Partition::kPrimaryKey, "a", "changed");
  const std::vector<std::string> keys = {"c", "b", "a"};
  ASSERT_OK_AND_ASSIGN(const auto values,
                       store_->MultiGet(Partition::kPrimaryKey, keys, snapshot.get()));
  EXPECT_EQ(values, (std::vector<std::optional<std::string>>{"3", std::nullopt, "1"}));
}

TEST_F(KvStoreTest, PartitionsAreSeparateKeySpaces) {
  Put(Partition::kUserRows, "k", "user");
  Put(Partition::kSharedRows, "k", "shared");
  EXPECT_EQ(Get(Partition::kUserRows, "k"), "user");
  EXPECT_EQ(Get(Partition::kSharedRows, "k"), "shared");
  EXPECT_EQ(Get(Partition::kSystem, "k"), std::nullopt);
}

TEST_F(KvStoreTest, BatchAppliesPutsAndDeletesTogether) {
  Put(Partition::kSystem, "old", "1");
  WriteBatch batch;
  batch.Put(Partition::kSystem, "a", "1");
  batch.Put(Partition::kUserRows, "b", "2");
  batch.Delete(Partition::kSystem, "old");
  EXPECT_EQ(batch.size(), 3u);
  ASSERT_OK(store_->Write(batch));
  EXPECT_EQ(Get(Partition::kSystem, "a"), "1");
  EXPECT_EQ(Get(Partition::kUserRows, "b"), "2");
  EXPECT_EQ(Get(Partition::kSystem, "old"), std::nullopt);
}

TEST_F(KvStoreTest, InvalidBatchWritesNothing) {
  WriteBatch batch;
  batch.Put(Partition::kSystem, "a", "1");
  batch.DeleteRange(Partition::kSystem, "z", "b");  // begin after end
  const Status status = store_->Write(batch);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Get(Partition::kSystem, "a"), std::nullopt);
}

TEST_F(KvStoreTest, ReadersNeverSeeHalfABatch) {
  // A writer rewrites 50 keys per batch with one generation number; readers take
  // snapshots and must always find all 50 keys at the same generation.
  constexpr int kKeys = 50;
  std::atomic<bool> done{false};
  std::atomic<int> torn_reads{0};
  std::atomic<int> reads{0};
  std::jthread writer([&] {
    for (int generation = 0; generation < 300; ++generation) {
      WriteBatch batch;
      for (int k = 0; k < kKeys; ++k) {
        batch.Put(Partition::kUserRows, "key" + std::to_string(k), std::to_string(generation));
      }
      ASSERT_OK(store_->Write(batch));
    }
    done = true;
  });
  std::jthread reader([&] {
    while (!done) {
      const auto snapshot = store_->GetSnapshot();
      const Entries entries =
          ScanAll(Partition::kUserRows, KeyRange::Prefix("key"), {.snapshot = snapshot.get()});
      if (entries.empty()) continue;
      ++reads;
      if (entries.size() != kKeys) ++torn_reads;
      for (const auto& [key, value] : entries) {
        if (value != entries.front().second) ++torn_reads;
      }
    }
  });
  writer.join();
  reader.join();
  EXPECT_EQ(torn_reads, 0);
  EXPECT_GT(reads, 0);
}

TEST_F(KvStoreTest, SnapshotIsolatesFromLaterWrites) {
  Put(Partition::kSharedRows, "a", "before");
  const auto snapshot = store_->GetSnapshot();
  Put(Partition::kSharedRows, "a", "after");
  Put(Partition::kSharedRows, "b", "new");
  WriteBatch remove;
  remove.Delete(Partition::kSharedRows, "a");
  ASSERT_OK(store_->Write(remove));

  EXPECT_EQ(Get(Partition::kSharedRows, "a", snapshot.get()), "before");
  EXPECT_EQ(Get(Partition::kSharedRows, "b", snapshot.get()), std::nullopt);
  EXPECT_EQ(ScanAll(Partition::kSharedRows, KeyRange::All(), {.snapshot = snapshot.get()}),
            (Entries{{"a", "before"}}));
  EXPECT_EQ(ScanAll(Partition::kSharedRows, KeyRange::All()), (Entries{{"b", "new"}}));
}

TEST_F(KvStoreTest, PrefixScanIsOrderedAndBounded) {
  for (const std::string& key : std::vector<std::string>{
           std::string("t1\xff", 3), std::string("t1\x00z", 4), "t1b", "t1a", "t0", "t2", "t1"}) {
    Put(Partition::kUserRows, key, "v");
  }
  Entries entries = ScanAll(Partition::kUserRows, KeyRange::Prefix("t1"));
  std::vector<std::string> keys;
  for (const auto& entry : entries) {
    keys.push_back(entry.first);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"t1", std::string("t1\x00z", 4), "t1a", "t1b",
                                            std::string("t1\xff", 3)}));
}

TEST_F(KvStoreTest, ReverseScanVisitsRangeBackwards) {
  for (const char* key : {"a", "b", "c", "d"}) {
    Put(Partition::kStreamRows, key, key);
  }
  const Entries reversed = ScanAll(Partition::kStreamRows, KeyRange{"b", "d"}, {.reverse = true});
  EXPECT_EQ(reversed, (Entries{{"c", "c"}, {"b", "b"}}));
  const Entries all = ScanAll(Partition::kStreamRows, KeyRange::All(), {.reverse = true});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.front().first, "d");
}

TEST_F(KvStoreTest, ScanStopsWhenVisitorReturnsFalse) {
  for (const char* key : {"a", "b", "c"}) {
    Put(Partition::kSystem, key, "v");
  }
  int visited = 0;
  ASSERT_OK(store_->Scan(Partition::kSystem, KeyRange::All(),
                         [&](std::string_view, std::string_view) { return ++visited < 2; }));
  EXPECT_EQ(visited, 2);
}

TEST_F(KvStoreTest, RangeDeleteRemovesExactlyTheRange) {
  for (const char* key : {"t1|a", "t1|b", "t2|a", "t3|a"}) {
    Put(Partition::kUserRows, key, "v");
  }
  WriteBatch batch;
  batch.DeleteRange(Partition::kUserRows, "t1|", "t3|");
  ASSERT_OK(store_->Write(batch));
  EXPECT_EQ(ScanAll(Partition::kUserRows, KeyRange::All()), (Entries{{"t3|a", "v"}}));
}

TEST_F(KvStoreTest, DataSurvivesReopen) {
  Put(Partition::kSystem, "catalog", "kept");
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) {
    batch.Put(Partition::kUserRows, "row" + std::to_string(i), "x");
  }
  ASSERT_OK(store_->Write(batch));
  store_->Stop();
  store_->Stop();  // idempotent
  store_.reset();
  Open();
  EXPECT_EQ(Get(Partition::kSystem, "catalog"), "kept");
  EXPECT_EQ(ScanAll(Partition::kUserRows, KeyRange::Prefix("row")).size(), 1000u);
}

TEST_F(KvStoreTest, SecondOpenOfSameDirectoryFails) {
  const Result<std::unique_ptr<KvStore>> second = OpenRocksKvStore(path(), options_);
  EXPECT_EQ(second.status().code(), StatusCode::kIOError);
}

TEST_F(KvStoreTest, SyncWritesAndWalSyncWork) {
  store_->Stop();
  store_.reset();
  options_.sync_writes = true;
  Open();
  Put(Partition::kSystem, "durable", "yes");
  EXPECT_OK(store_->SyncWal());
  EXPECT_EQ(Get(Partition::kSystem, "durable"), "yes");
}

TEST(KvStoreOpenTest, UnwritableLocationIsAnIoError) {
  testing::TempDir dir;
  const std::filesystem::path blocker = dir.path() / "file";
  std::ofstream(blocker) << "x";
  const auto result = OpenRocksKvStore((blocker / "rocksdb").string(), {});
  EXPECT_EQ(result.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace kalam::storage

// The hot store: single puts (one WAL write each), 1,000-put batches (one statement's
// rows), point gets and one user's prefix scan, with the server's default options.
#include <benchmark/benchmark.h>

#include "storage/key_codec.h"
#include "storage/kv_store.h"
#include "tests/testing/test_util.h"

namespace kalam::storage {
namespace {

std::string RowKey(uint64_t table, const std::string& user, int64_t seq) {
  std::string key;
  AppendKeyPart(&key, table);
  AppendKeyPart(&key, user);
  AppendKeyPart(&key, seq);
  return key;
}

const std::string kValue(100, 'v');  // a typical small row

class KvStoreBench : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State&) override {
    dir_ = std::make_unique<testing::TempDir>();
    store_ = std::move(OpenRocksKvStore(dir_->str(), config::StorageSection{})).value();
  }
  void TearDown(const benchmark::State&) override {
    store_->Stop();
    store_.reset();
    dir_.reset();
  }

 protected:
  void Fill(int users, int rows_per_user) {
    for (int u = 0; u < users; ++u) {
      WriteBatch batch;
      for (int i = 0; i < rows_per_user; ++i) {
        batch.Put(Partition::kUserRows, RowKey(1, "user" + std::to_string(u), i), kValue);
      }
      (void)store_->Write(batch).ok();
    }
  }

  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<KvStore> store_;
};

BENCHMARK_F(KvStoreBench, BM_KvStore_SinglePut)(benchmark::State& state) {
  int64_t seq = 0;
  for (auto _ : state) {
    WriteBatch batch;
    batch.Put(Partition::kUserRows, RowKey(1, "alice", ++seq), kValue);
    if (!store_->Write(batch).ok()) state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_F(KvStoreBench, BM_KvStore_Batch1000)(benchmark::State& state) {
  int64_t seq = 0;
  for (auto _ : state) {
    WriteBatch batch;
    for (int i = 0; i < 1000; ++i)
      batch.Put(Partition::kUserRows, RowKey(1, "alice", ++seq), kValue);
    if (!store_->Write(batch).ok()) state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}

BENCHMARK_F(KvStoreBench, BM_KvStore_PointGet)(benchmark::State& state) {
  Fill(100, 1000);
  uint64_t i = 0;
  for (auto _ : state) {
    const std::string key = RowKey(1, "user" + std::to_string(i % 100), (i * 7919) % 1000);
    benchmark::DoNotOptimize(store_->Get(Partition::kUserRows, key));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_F(KvStoreBench, BM_KvStore_UserPrefixScan1000)(benchmark::State& state) {
  Fill(100, 1000);
  uint64_t i = 0;
  for (auto _ : state) {
    std::string prefix;
    AppendKeyPart(&prefix, uint64_t{1});
    AppendKeyPart(&prefix, "user" + std::to_string(i++ % 100));
    size_t rows = 0;
    (void)store_->Scan(Partition::kUserRows, KeyRange::Prefix(prefix),
                       [&](std::string_view, std::string_view) { return ++rows > 0; });
    if (rows != 1000) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}

}  // namespace
}  // namespace kalam::storage

BENCHMARK_MAIN();

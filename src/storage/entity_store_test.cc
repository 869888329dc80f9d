#include "storage/entity_store.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::storage {
namespace {

struct NamespaceRecord {
  static constexpr uint32_t kRecordVersion = 1;
  std::string name;
  int64_t created_at = 0;

  void EncodeTo(RecordWriter& out) const {
    out.PutString(name);
    out.PutSignedVarint(created_at);
  }
  static Result<NamespaceRecord> DecodeFrom(RecordReader& in, uint32_t /*version*/) {
    NamespaceRecord record;
    record.name = in.GetString();
    record.created_at = in.GetSignedVarint();
    return record;
  }
  friend bool operator==(const NamespaceRecord&, const NamespaceRecord&) = default;
};

class EntityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(kv_, OpenRocksKvStore(dir_.str(), {})); }
  testing::TempDir dir_;
  std::unique_ptr<KvStore> kv_;
};

TEST_F(EntityStoreTest, PutGetDeleteAndListInIdOrder) {
  EntityStore<NamespaceId, NamespaceRecord> namespaces(*kv_, "ns");
  ASSERT_OK(namespaces.Put(NamespaceId("b"), {"b", 2}));
  ASSERT_OK(namespaces.Put(NamespaceId("a"), {"a", 1}));
  ASSERT_OK_AND_ASSIGN(auto found, namespaces.Get(NamespaceId("a")));
  EXPECT_EQ(found, (NamespaceRecord{"a", 1}));
  ASSERT_OK_AND_ASSIGN(auto listed, namespaces.List());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].first, NamespaceId("a"));
  EXPECT_EQ(listed[1].second, (NamespaceRecord{"b", 2}));

  ASSERT_OK(namespaces.Delete(NamespaceId("a")));
  ASSERT_OK_AND_ASSIGN(auto gone, namespaces.Get(NamespaceId("a")));
  EXPECT_EQ(gone, std::nullopt);
}

TEST_F(EntityStoreTest, KindsDoNotSeeEachOther) {
  EntityStore<NamespaceId, NamespaceRecord> first(*kv_, "ns");
  EntityStore<NamespaceId, NamespaceRecord> second(*kv_, "ns2");
  ASSERT_OK(first.Put(NamespaceId("x"), {"x", 1}));
  ASSERT_OK_AND_ASSIGN(auto listed, second.List());
  EXPECT_TRUE(listed.empty());
  ASSERT_OK_AND_ASSIGN(auto missing, second.Get(NamespaceId("x")));
  EXPECT_EQ(missing, std::nullopt);
}

TEST_F(EntityStoreTest, NumericIdsListNumerically) {
  EntityStore<TableId, NamespaceRecord> tables(*kv_, "tbl");
  for (const uint64_t id : {300u, 2u, 1000000u, 17u}) {
    ASSERT_OK(tables.Put(TableId(id), {std::to_string(id), 0}));
  }
  ASSERT_OK_AND_ASSIGN(auto listed, tables.List());
  std::vector<uint64_t> ids;
  ids.reserve(listed.size());
  for (const auto& [id, record] : listed) {
    ids.push_back(id.value());
  }
  EXPECT_EQ(ids, (std::vector<uint64_t>{2, 17, 300, 1000000}));
}

TEST_F(EntityStoreTest, BatchedPutsCommitTogetherWithOtherWrites) {
  EntityStore<NamespaceId, NamespaceRecord> namespaces(*kv_, "ns");
  WriteBatch batch;
  namespaces.Put(batch, NamespaceId("app"), {"app", 5});
  batch.Put(Partition::kUserRows, "row", "v");
  ASSERT_OK(kv_->Write(batch));
  ASSERT_OK_AND_ASSIGN(auto found, namespaces.Get(NamespaceId("app")));
  EXPECT_TRUE(found.has_value());
}

TEST_F(EntityStoreTest, CorruptValueIsReportedNotCrashed) {
  EntityStore<NamespaceId, NamespaceRecord> namespaces(*kv_, "ns");
  ASSERT_OK(namespaces.Put(NamespaceId("a"), {"a", 1}));
  std::string key;
  AppendKeyPart(&key, "ns");
  AppendKeyPart(&key, "a");
  WriteBatch damage;
  damage.Put(Partition::kSystem, key, "\x01\x50");  // version 1, string length 80, no bytes
  ASSERT_OK(kv_->Write(damage));
  EXPECT_EQ(namespaces.Get(NamespaceId("a")).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(namespaces.List().status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace kalam::storage

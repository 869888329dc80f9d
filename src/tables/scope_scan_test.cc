#include "tables/scope_scan.h"

#include <gtest/gtest.h>

#include "tables/table_writer.h"
#include "tests/testing/test_util.h"

namespace kalam::tables {
namespace {

using Kind = catalog::DataType::Kind;

std::shared_ptr<const catalog::CachedTable> KeyedTable() {
  catalog::TableRecord record{.table_id = TableId(7),
                              .namespace_id = "app",
                              .table_name = "t",
                              .table_type = catalog::TableType::kUser};
  catalog::SchemaVersionRecord schema;
  schema.columns.push_back({.column_id = 1,
                            .name = "id",
                            .type = {.kind = Kind::kBigInt},
                            .nullable = false,
                            .primary_key = true});
  schema.columns.push_back({.column_id = 2, .name = "body", .type = {.kind = Kind::kText}});
  return std::make_shared<const catalog::CachedTable>(std::move(record), std::move(schema));
}

std::vector<Value> Row(int64_t id, std::string body) {
  return {Value::Int64(id), Value::Text(std::move(body))};
}

class ScopeScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore(dir_.str(), {}));
    writer_ = std::make_unique<TableWriter>(*kv_, snowflake_, bus_);
  }

  // Every row of alice's scope, read in batches of `batch`.
  std::vector<RowVersion> ReadAll(ScopeScanOptions options, size_t batch = 3) {
    ScopeScan scan(*kv_, table_, "alice", options);
    std::vector<RowVersion> all;
    std::vector<RowVersion> rows;
    do {
      EXPECT_OK(scan.Next(batch, rows));
      EXPECT_LE(rows.size(), batch);
      all.insert(all.end(), rows.begin(), rows.end());
    } while (!rows.empty());
    return all;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  SnowflakeGenerator snowflake_{clock_, NodeId("n")};
  ChangeBus bus_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<TableWriter> writer_;
  std::shared_ptr<const catalog::CachedTable> table_ = KeyedTable();
};

TEST_F(ScopeScanTest, ReturnsTheLatestVersionPerKeyAndTombstonesOnlyWhenAsked) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "a"), Row(2, "b"), Row(3, "c")}));
  ASSERT_OK(writer_->Insert(*table_, "bob", {Row(1, "bob's")}));
  for (int i = 0; i < 5; ++i)
    ASSERT_OK(writer_->Update(*table_, "alice", {Row(1, "a" + std::to_string(i))}));
  ASSERT_OK(writer_->Delete(*table_, "alice", {Value::Int64(2)}));
  std::vector<RowVersion> live = ReadAll({});
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].values[1].text, "c");  // ordered by the latest version's _seq
  EXPECT_EQ(live[1].values[1].text, "a4");
  const std::vector<RowVersion> with_deleted = ReadAll({.include_deleted = true});
  ASSERT_EQ(with_deleted.size(), 3u);
  EXPECT_TRUE(with_deleted[2].deleted);  // the tombstone is the newest version
  EXPECT_EQ(with_deleted[2].values[0].integer, 2);
}

TEST_F(ScopeScanTest, ReadsOneBatchAtATimeFromOneSnapshot) {
  std::vector<std::vector<Value>> rows;
  for (int64_t id = 0; id < 5000; ++id)
    rows.push_back(Row(id, "row"));
  ASSERT_OK(writer_->Insert(*table_, "alice", rows));
  ScopeScan scan(*kv_, table_, "alice", {});
  std::vector<RowVersion> batch;
  ASSERT_OK(scan.Next(100, batch));
  EXPECT_EQ(batch.size(), 100u);
  EXPECT_EQ(scan.versions_read(), 100u);  // not the whole scope
  // Writes after the scan started are invisible to it.
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(9999, "late")}));
  ASSERT_OK(writer_->Delete(*table_, "alice", {Value::Int64(4999)}));
  size_t total = batch.size();
  do {
    ASSERT_OK(scan.Next(1000, batch));
    total += batch.size();
  } while (!batch.empty());
  EXPECT_EQ(total, 5000u);
  EXPECT_EQ(scan.versions_read(), 5000u);
}

}  // namespace
}  // namespace kalam::tables

#include "tables/table_reader.h"

#include <limits>

#include <gtest/gtest.h>

#include "tables/table_writer.h"
#include "tests/testing/test_util.h"

namespace kalam::tables {
namespace {

using Kind = catalog::DataType::Kind;

std::shared_ptr<const catalog::CachedTable> KeyedTable(uint64_t id = 7) {
  catalog::TableRecord record{.table_id = TableId(id),
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

class TableReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore(dir_.str(), {}));
    writer_ = std::make_unique<TableWriter>(*kv_, snowflake_, bus_);
  }

  // Every row of alice's scope, read in batches of `batch`.
  std::vector<RowVersion> ReadAll(ScanSpec spec, size_t batch = 3) {
    spec.table = table_;
    spec.scope = "alice";
    TableReader scan(ReadView::Open(*kv_, clock_.NowMillis()), std::move(spec));
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

TEST_F(TableReaderTest, ReturnsTheLatestVersionPerKeyAndTombstonesOnlyWhenAsked) {
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

TEST_F(TableReaderTest, ReadsOneBatchAtATimeFromOneSnapshot) {
  std::vector<std::vector<Value>> rows;
  for (int64_t id = 0; id < 5000; ++id)
    rows.push_back(Row(id, "row"));
  ASSERT_OK(writer_->Insert(*table_, "alice", rows));
  TableReader scan(ReadView::Open(*kv_, 0), {.table = table_, .scope = "alice"});
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

TEST_F(TableReaderTest, SeqBoundsNarrowTheRangeButNotWhichVersionIsLatest) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "a"), Row(2, "b"), Row(3, "c")}));
  const std::vector<RowVersion> before = ReadAll({});
  ASSERT_EQ(before.size(), 3u);
  ASSERT_OK(writer_->Update(*table_, "alice", {Row(1, "a2")}));
  // After the second row's _seq: row 3, and row 1's new version (its old one is older).
  const std::vector<RowVersion> after = ReadAll({.min_seq = before[1].seq});
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].values[1].text, "c");
  EXPECT_EQ(after[1].values[1].text, "a2");
  // Up to the second row's _seq: row 2 only, since row 1's latest version is newer.
  const std::vector<RowVersion> upto = ReadAll({.max_seq = before[1].seq});
  ASSERT_EQ(upto.size(), 1u);
  EXPECT_EQ(upto[0].values[1].text, "b");
  EXPECT_TRUE(ReadAll({.min_seq = std::numeric_limits<int64_t>::max()}).empty());
  EXPECT_TRUE(ReadAll({.min_seq = after[1].seq}).empty());
}

TEST_F(TableReaderTest, APrimaryKeyReadsOneRowThroughTheIndexWithinTheBounds) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "a"), Row(2, "b")}));
  ASSERT_OK(writer_->Insert(*table_, "bob", {Row(3, "bob's")}));
  ASSERT_OK(writer_->Update(*table_, "alice", {Row(1, "a2")}));
  const std::vector<RowVersion> one = ReadAll({.primary_key = Value::Int64(1)});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].values[1].text, "a2");                          // the latest version
  EXPECT_TRUE(ReadAll({.primary_key = Value::Int64(3)}).empty());  // bob's, not alice's
  EXPECT_TRUE(ReadAll({.primary_key = Value::Int64(9)}).empty());
  EXPECT_TRUE(ReadAll({.min_seq = one[0].seq, .primary_key = Value::Int64(1)}).empty());
  EXPECT_EQ(ReadAll({.max_seq = one[0].seq, .primary_key = Value::Int64(1)}).size(), 1u);
  ASSERT_OK(writer_->Delete(*table_, "alice", {Value::Int64(2)}));
  EXPECT_TRUE(ReadAll({.primary_key = Value::Int64(2)}).empty());
  const std::vector<RowVersion> tombstone =
      ReadAll({.include_deleted = true, .primary_key = Value::Int64(2)});
  ASSERT_EQ(tombstone.size(), 1u);
  EXPECT_TRUE(tombstone[0].deleted);
}

TEST_F(TableReaderTest, ReadsOfOneViewSeeOneState) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "a"), Row(2, "b")}));
  const std::shared_ptr<const ReadView> view = ReadView::Open(*kv_, 0);
  ASSERT_OK(writer_->Update(*table_, "alice", {Row(1, "changed")}));
  ASSERT_OK(writer_->Delete(*table_, "alice", {Value::Int64(2)}));
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(3, "new")}));
  // A scan, a point read and a count through the old view all see the state it was opened at.
  TableReader scan(view, {.table = table_, .scope = "alice"});
  std::vector<RowVersion> rows;
  ASSERT_OK(scan.Next(10, rows));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].values[1].text, "a");
  ASSERT_OK_AND_ASSIGN(const auto one, TableReader::Get(*view, *table_, "alice", Value::Int64(1)));
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->values[1].text, "a");
  ASSERT_OK_AND_ASSIGN(const uint64_t versions,
                       TableReader::CountVersions(*view, *table_, "alice"));
  EXPECT_EQ(versions, 2u);
  // A new view sees the writes; a deleted key reads as absent unless tombstones are asked for.
  const std::shared_ptr<const ReadView> now = ReadView::Open(*kv_, 0);
  ASSERT_OK_AND_ASSIGN(const auto gone, TableReader::Get(*now, *table_, "alice", Value::Int64(2)));
  EXPECT_FALSE(gone.has_value());
  ASSERT_OK_AND_ASSIGN(const auto tombstone,
                       TableReader::Get(*now, *table_, "alice", Value::Int64(2), true));
  ASSERT_TRUE(tombstone.has_value());
  EXPECT_TRUE(tombstone->deleted);
  EXPECT_EQ(tombstone->values[1].text, "b");
  ASSERT_OK_AND_ASSIGN(const uint64_t now_versions,
                       TableReader::CountVersions(*now, *table_, "alice"));
  EXPECT_EQ(now_versions, 5u);
  ASSERT_OK_AND_ASSIGN(const uint64_t bobs, TableReader::CountVersions(*now, *table_, "bob"));
  EXPECT_EQ(bobs, 0u);
}

// ALTER's checks read every scope of a table: each row with its scope, latest versions
// only, tombstones only when asked.
TEST_F(TableReaderTest, EveryScopeScanReadsEachUsersLatestRows) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "a"), Row(2, "b")}));
  ASSERT_OK(writer_->Insert(*table_, "bob", {Row(1, "bob's")}));
  ASSERT_OK(writer_->Update(*table_, "bob", {Row(1, "bob's 2")}));
  ASSERT_OK(writer_->Delete(*table_, "alice", {Value::Int64(2)}));
  const std::shared_ptr<const catalog::CachedTable> other = KeyedTable(8);
  ASSERT_OK(writer_->Insert(*other, "alice", {Row(3, "other table")}));
  TableReader scan(ReadView::Open(*kv_, 0), {.table = table_, .every_scope = true});
  std::vector<RowVersion> all;
  std::vector<RowVersion> rows;
  do {
    ASSERT_OK(scan.Next(1, rows));
    all.insert(all.end(), rows.begin(), rows.end());
  } while (!rows.empty());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].scope, "alice");
  EXPECT_EQ(all[0].values[1].text, "a");
  EXPECT_EQ(all[1].scope, "bob");
  EXPECT_EQ(all[1].values[1].text, "bob's 2");
  TableReader with_deleted(ReadView::Open(*kv_, 0),
                           {.table = table_, .every_scope = true, .include_deleted = true});
  ASSERT_OK(with_deleted.Next(10, rows));
  EXPECT_EQ(rows.size(), 3u);
}

}  // namespace
}  // namespace kalam::tables

#include "cold/segment_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/statement_reads.h"
#include "engine/system_tables.h"
#include "tables/change_bus.h"
#include "tables/table_writer.h"
#include "tests/testing/collecting_sink.h"
#include "tests/testing/test_util.h"

namespace kalam::cold {
namespace {

using Kind = catalog::DataType::Kind;

class SegmentWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore((dir_.path() / "rocksdb").string(), {}));
    ASSERT_OK_AND_ASSIGN(catalog_, catalog::Catalog::Open(*kv_, clock_, {storage_.string()}));
    system_tables_ =
        std::make_unique<engine::SystemTables>(*catalog_, engine::ServerInfo{"n1", "0.1.0", {}});
    ASSERT_OK_AND_ASSIGN(engine_, engine::Engine::Open({.threads = 1,
                                                        .memory_limit_mb = 256,
                                                        .connections = 2,
                                                        .allowed_directory = storage_.string()},
                                                       *system_tables_));
    writer_ = std::make_unique<tables::TableWriter>(*kv_, snowflake_, bus_);
    ASSERT_OK(catalog_->CreateNamespace("app"));
    ASSERT_OK_AND_ASSIGN(table_,
                         catalog_->CreateTable({.namespace_id = "app", .table_name = "notes"},
                                               {{.name = "id",
                                                 .type = {.kind = Kind::kBigInt},
                                                 .nullable = false,
                                                 .primary_key = true},
                                                {.name = "body", .type = {.kind = Kind::kText}}}));
  }
  testing::CollectingSink::Result Run(const std::string& sql) {
    testing::CollectingSink sink;
    EXPECT_OK(engine_->Query(sql, engine::StatementReads{}, {}, StopSignal{}, sink));
    return sink.last();
  }
  SegmentRequest Request(const std::string& scope) {
    return {.view = writer_->OpenReadView(clock_.NowMillis()),
            .table = table_,
            .scope = scope,
            .max_seq = std::numeric_limits<int64_t>::max(),
            .directory = storage_ / "app" / "notes" / scope};
  }

  testing::TempDir dir_;
  const std::filesystem::path storage_ = dir_.path() / "st";
  SystemClock clock_;
  SnowflakeGenerator snowflake_{clock_, NodeId("n")};
  tables::ChangeBus bus_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<engine::SystemTables> system_tables_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<tables::TableWriter> writer_;
  std::shared_ptr<const catalog::CachedTable> table_;
};

TEST_F(SegmentWriterTest, ASegmentHoldsEveryVersionAndTombstoneOfItsScopeUnderFieldIds) {
  ASSERT_OK(
      writer_
          ->Insert(*table_, "u_alice",
                   {{Value::Int64(1), Value::Text("one")}, {Value::Int64(2), Value::Text("two")}})
          .status());
  ASSERT_OK(writer_->Update(*table_, "u_alice", {{Value::Int64(1), Value::Text("uno")}}).status());
  ASSERT_OK(writer_->Delete(*table_, "u_alice", {Value::Int64(2)}).status());
  ASSERT_OK(writer_->Insert(*table_, "u_bob", {{Value::Int64(1), Value::Text("bob's")}}).status());

  ASSERT_OK_AND_ASSIGN(const std::optional<SegmentFile> segment,
                       WriteSegment(*engine_, Request("u_alice"), StopSignal{}));
  ASSERT_TRUE(segment.has_value());
  EXPECT_EQ(segment->rows, 4u);  // two inserts, an update, a tombstone; none of bob's
  EXPECT_LT(segment->first_seq, segment->last_seq);
  EXPECT_GT(segment->bytes, 0u);
  EXPECT_EQ(segment->path.filename().string(), "seg-" + std::to_string(segment->first_seq) + "-" +
                                                   std::to_string(segment->last_seq) + ".parquet");
  // No temporary file is left.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(segment->path.parent_path())) {
    EXPECT_EQ(entry.path().extension(), ".parquet");
    ++files;
  }
  EXPECT_EQ(files, 1u);

  // Read back by field id, as a later schema would: `id` renamed to `key`, a column added.
  const std::string path = "'" + segment->path.string() + "'";
  const auto rows =
      Run("SELECT key, body, extra, _deleted FROM read_parquet(" + path +
          ", schema = MAP {1: {name: 'key', type: 'BIGINT', default_value: NULL}, "
          "2: {name: 'body', type: 'VARCHAR', default_value: NULL}, "
          "9: {name: 'extra', type: 'INTEGER', default_value: 7}, "
          "2147483646: {name: '_seq', type: 'BIGINT', default_value: NULL}, "
          "2147483645: {name: '_deleted', type: 'BOOLEAN', default_value: NULL}}) ORDER BY _seq");
  ASSERT_EQ(rows.rows.size(), 4u);
  EXPECT_EQ(rows.rows[0][1].text, "one");
  EXPECT_EQ(rows.rows[2][1].text, "uno");
  EXPECT_EQ(rows.rows[2][2].integer, 7);
  EXPECT_TRUE(rows.rows[3][3].boolean);  // the tombstone of row 2
  EXPECT_FALSE(rows.rows[0][3].boolean);
  const auto ids = Run("SELECT name, field_id FROM parquet_schema(" + path +
                       ") WHERE field_id IS NOT NULL ORDER BY field_id");
  ASSERT_EQ(ids.rows.size(), 4u);
  EXPECT_EQ(ids.rows[0][0].text, "id");
  EXPECT_EQ(ids.rows[3][0].text, "_seq");
}

TEST_F(SegmentWriterTest, AnEmptyScopeOrRangeWritesNoFile) {
  ASSERT_OK_AND_ASSIGN(const std::optional<SegmentFile> none,
                       WriteSegment(*engine_, Request("u_nobody"), StopSignal{}));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK(writer_->Insert(*table_, "u_alice", {{Value::Int64(1), Value::Text("one")}}).status());
  SegmentRequest before = Request("u_alice");
  before.max_seq = 1;  // before every version
  ASSERT_OK_AND_ASSIGN(const std::optional<SegmentFile> empty,
                       WriteSegment(*engine_, before, StopSignal{}));
  EXPECT_FALSE(empty.has_value());
  EXPECT_TRUE(std::filesystem::is_empty(storage_ / "app" / "notes" / "u_alice"));
}

TEST_F(SegmentWriterTest, ADirectoryOutsideTheAllowedOneIsRefusedAndNothingIsLeft) {
  ASSERT_OK(writer_->Insert(*table_, "u_alice", {{Value::Int64(1), Value::Text("one")}}).status());
  SegmentRequest outside = Request("u_alice");
  outside.directory = dir_.path() / "elsewhere";
  const Result<std::optional<SegmentFile>> refused = WriteSegment(*engine_, outside, StopSignal{});
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(std::filesystem::is_empty(outside.directory));
}

}  // namespace
}  // namespace kalam::cold

#include "tables/table_writer.h"

#include <atomic>
#include <map>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tables/table_reader.h"
#include "tests/testing/test_util.h"

namespace kalam::tables {
namespace {

using ::testing::HasSubstr;
using Kind = catalog::DataType::Kind;
using Op = ChangeRecord::Op;

std::shared_ptr<const catalog::CachedTable> MakeTable(uint64_t id, catalog::TableType type) {
  catalog::TableRecord record{.table_id = TableId(id),
                              .namespace_id = "app",
                              .table_name = "t" + std::to_string(id),
                              .table_type = type};
  catalog::SchemaVersionRecord schema;
  if (type != catalog::TableType::kStream) {
    schema.columns.push_back({.column_id = 1,
                              .name = "id",
                              .type = {.kind = Kind::kBigInt},
                              .nullable = false,
                              .primary_key = true});
  }
  schema.columns.push_back(
      {.column_id = 2, .name = "body", .type = {.kind = Kind::kText}, .nullable = false});
  return std::make_shared<const catalog::CachedTable>(std::move(record), std::move(schema));
}

std::vector<Value> Row(int64_t id, std::string body) {
  return {Value::Int64(id), Value::Text(std::move(body))};
}

class TableWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore(dir_.str(), {}));
    writer_ = std::make_unique<TableWriter>(*kv_, snowflake_, bus_);
    token_ = bus_.Subscribe([this](std::span<const ChangeRecord> changes) {
      MutexLock lock(mu_);
      statements_.emplace_back(changes.begin(), changes.end());
    });
  }
  void TearDown() override { bus_.Unsubscribe(token_); }

  std::vector<std::vector<ChangeRecord>> Statements() {
    bus_.Flush();
    MutexLock lock(mu_);
    return statements_;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  SnowflakeGenerator snowflake_{clock_, NodeId("n")};
  ChangeBus bus_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<TableWriter> writer_;
  uint64_t token_ = 0;
  Mutex mu_;
  std::vector<std::vector<ChangeRecord>> statements_;
  const std::shared_ptr<const catalog::CachedTable> table_ =
      MakeTable(1, catalog::TableType::kUser);
};

TEST_F(TableWriterTest, MultiRowInsertIsOneStatementWithOneChangePerRow) {
  ASSERT_OK_AND_ASSIGN(const size_t inserted,
                       writer_->Insert(*table_, "alice", {Row(1, "a"), Row(2, "b"), Row(3, "c")}));
  EXPECT_EQ(inserted, 3u);
  const auto statements = Statements();
  ASSERT_EQ(statements.size(), 1u);
  ASSERT_EQ(statements[0].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(statements[0][i].op, Op::kInsert);
    EXPECT_EQ(statements[0][i].scope, "alice");
    EXPECT_EQ(statements[0][i].new_row[0].integer, static_cast<int64_t>(i + 1));
    EXPECT_TRUE(statements[0][i].old_row.empty());
    if (i > 0) {
      EXPECT_GT(statements[0][i].seq, statements[0][i - 1].seq);
    }
  }
  ASSERT_OK_AND_ASSIGN(const auto latest, TableReader::Get(*ReadView::Open(*kv_, 0), *table_,
                                                           "alice", Value::Int64(2)));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->values[1].text, "b");
  EXPECT_EQ(latest->seq, statements[0][1].seq);
}

TEST_F(TableWriterTest, ScopesAreSeparate) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "alice's")}));
  ASSERT_OK(writer_->Insert(*table_, "bob", {Row(1, "bob's")}));  // same key, other user
  ASSERT_OK_AND_ASSIGN(const auto bob,
                       TableReader::Get(*ReadView::Open(*kv_, 0), *table_, "bob", Value::Int64(1)));
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob.value().values.at(1).text, "bob's");
  ASSERT_OK_AND_ASSIGN(const auto carol, TableReader::Get(*ReadView::Open(*kv_, 0), *table_,
                                                          "carol", Value::Int64(1)));
  EXPECT_FALSE(carol.has_value());
}

TEST_F(TableWriterTest, FailingRowFailsTheWholeStatementAndWritesNothing) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "kept")}));
  const Status duplicate =
      writer_->Insert(*table_, "alice", {Row(2, "new"), Row(1, "dup")}).status();
  EXPECT_EQ(duplicate,
            Status::DuplicateKey("Primary key violation: value '1' already exists in column 'id'"));
  const Status repeated = writer_->Insert(*table_, "alice", {Row(5, "x"), Row(5, "y")}).status();
  EXPECT_EQ(repeated.code(), StatusCode::kDuplicateKey);
  const Status null_body =
      writer_->Insert(*table_, "alice", {Row(6, "ok"), {Value::Int64(7), Value::Null()}}).status();
  EXPECT_EQ(null_body, Status::NotNullViolation("column 'body' cannot be NULL"));
  for (const int64_t key : {2, 5, 6, 7}) {
    ASSERT_OK_AND_ASSIGN(const auto row, TableReader::Get(*ReadView::Open(*kv_, 0), *table_,
                                                          "alice", Value::Int64(key)));
    EXPECT_FALSE(row.has_value()) << key;
  }
  EXPECT_EQ(Statements().size(), 1u);  // only the first insert published anything
}

TEST_F(TableWriterTest, UpdateAndDeleteWriteVersionsAndTombstones) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "v1"), Row(2, "x")}));
  ASSERT_OK_AND_ASSIGN(const size_t updated,
                       writer_->Update(*table_, "alice", {Row(1, "v2"), Row(9, "missing")}));
  EXPECT_EQ(updated, 1u);
  ASSERT_OK_AND_ASSIGN(
      const size_t deleted,
      writer_->Delete(*table_, "alice", {Value::Int64(2), Value::Int64(2), Value::Int64(9)}));
  EXPECT_EQ(deleted, 1u);
  const auto statements = Statements();
  ASSERT_EQ(statements.size(), 3u);
  const ChangeRecord& update = statements[1][0];
  EXPECT_EQ(update.op, Op::kUpdate);
  EXPECT_EQ(update.old_row[1].text, "v1");
  EXPECT_EQ(update.new_row[1].text, "v2");
  const ChangeRecord& removal = statements[2][0];
  EXPECT_EQ(removal.op, Op::kDelete);
  EXPECT_EQ(removal.old_row[1].text, "x");
  EXPECT_GT(removal.seq, update.seq);
  ASSERT_OK_AND_ASSIGN(const auto gone, TableReader::Get(*ReadView::Open(*kv_, 0), *table_, "alice",
                                                         Value::Int64(2)));
  EXPECT_FALSE(gone.has_value());
  // Versions are never overwritten: 2 inserts + 1 update + 1 tombstone = 4 row versions.
  size_t versions = 0;
  ASSERT_OK(kv_->Scan(storage::Partition::kUserRows,
                      storage::KeyRange::Prefix(ScopePrefix(TableId(1), "alice")),
                      [&](std::string_view, std::string_view) { return ++versions > 0; }));
  EXPECT_EQ(versions, 4u);
  // A deleted key can be inserted again.
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(2, "again")}));
}

TEST_F(TableWriterTest, StreamTablesAppendAndRefuseUpdates) {
  const auto stream = MakeTable(2, catalog::TableType::kStream);
  ASSERT_OK_AND_ASSIGN(
      const size_t inserted,
      writer_->Insert(*stream, "alice", {{Value::Text("e1")}, {Value::Text("e1")}}));
  EXPECT_EQ(inserted, 2u);  // no primary key: duplicates are separate events
  EXPECT_THAT(
      std::string(writer_->Update(*stream, "alice", {{Value::Text("x")}}).status().message()),
      HasSubstr("append-only"));
}

TEST_F(TableWriterTest, EvictionRemovesExactlyTheEventsBeforeTheCutoffInEveryScope) {
  const auto stream = MakeTable(3, catalog::TableType::kStream);
  const auto events = [](int n) {
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < n; ++i)
      rows.push_back({Value::Text("e" + std::to_string(i))});
    return rows;
  };
  const auto stored = [&]() {
    std::map<std::string, int> per_scope;
    auto it = kv_->NewIterator(storage::Partition::kStreamRows,
                               storage::KeyRange::Prefix(TablePrefix(stream->table.table_id)));
    for (; it->Valid(); it->Next()) {
      auto row = DecodeRowValue(it->key(), it->value(), stream->schema.columns);
      ++per_scope[row.ok() ? row->scope : "?"];
    }
    return per_scope;
  };
  for (const auto& [user, n] : {std::pair{"alice", 3}, {"bob", 2}, {"carol", 1}}) {
    ASSERT_OK(writer_->Insert(*stream, user, events(n)).status());
  }
  ASSERT_OK_AND_ASSIGN(const int64_t cutoff, snowflake_.Next());  // after every event so far
  ASSERT_OK(writer_->Insert(*stream, "alice", events(2)).status());
  ASSERT_OK(writer_->Insert(*stream, "bob", events(1)).status());
  ASSERT_OK_AND_ASSIGN(const size_t evicted, writer_->EvictEvents(*stream, cutoff, 100));
  EXPECT_EQ(evicted, 6u);
  EXPECT_EQ(stored(), (std::map<std::string, int>{{"alice", 2}, {"bob", 1}}));
  ASSERT_OK_AND_ASSIGN(const size_t again, writer_->EvictEvents(*stream, cutoff, 100));
  EXPECT_EQ(again, 0u);

  // At most max_events per call; the rest on the next calls.
  ASSERT_OK(writer_->Insert(*stream, "dave", events(5)).status());
  ASSERT_OK_AND_ASSIGN(const int64_t later, snowflake_.Next());
  size_t total = 0;
  for (int call = 0; call < 10; ++call) {
    ASSERT_OK_AND_ASSIGN(const size_t n, writer_->EvictEvents(*stream, later, 2));
    EXPECT_LE(n, 2u);
    total += n;
    if (n < 2) break;
  }
  EXPECT_EQ(total, 8u);  // dave's 5 and the 3 that were newer than the first cutoff
  EXPECT_TRUE(stored().empty());
  EXPECT_EQ(writer_->EvictEvents(*table_, later, 10).status().code(), StatusCode::kInternal);
}

TEST_F(TableWriterTest, EvictionWithATableReadBeforeAnAlterIsRefusedAndDeletesNothing) {
  const auto stream = MakeTable(5, catalog::TableType::kStream);
  ASSERT_OK(writer_->Insert(*stream, "alice", {{Value::Text("old")}}).status());
  ASSERT_OK_AND_ASSIGN(const int64_t cutoff, snowflake_.Next());
  catalog::TableRecord record = stream->table;
  record.schema_version = 2;
  catalog::SchemaVersionRecord schema = stream->schema;
  schema.version = 2;
  const auto altered =
      std::make_shared<const catalog::CachedTable>(std::move(record), std::move(schema));
  storage::WriteBatch batch;
  ASSERT_OK(writer_->CommitSchemaChange(
      batch, *altered, [] { return Status(); }, [] {}));
  EXPECT_EQ(writer_->EvictEvents(*stream, cutoff, 10).status().code(), StatusCode::kConflict);
  auto it = kv_->NewIterator(storage::Partition::kStreamRows,
                             storage::KeyRange::Prefix(TablePrefix(stream->table.table_id)));
  EXPECT_TRUE(it->Valid());  // still there
  ASSERT_OK_AND_ASSIGN(const size_t evicted, writer_->EvictEvents(*altered, cutoff, 10));
  EXPECT_EQ(evicted, 1u);
}

TEST_F(TableWriterTest, DeleteScopeRemovesOneUsersRowsIndexAndEventsOnly) {
  const auto stream = MakeTable(4, catalog::TableType::kStream);
  for (const char* user : {"alice", "bob"}) {
    ASSERT_OK(writer_->Insert(*table_, user, {Row(1, "one"), Row(2, "two")}).status());
    ASSERT_OK(writer_->Insert(*stream, user, {{Value::Text("event")}}).status());
  }
  ASSERT_OK(writer_->Update(*table_, "bob", {Row(1, "uno")}).status());
  ASSERT_OK(writer_->DeleteScope({{table_, stream}}, "bob"));
  const auto count = [&](const catalog::CachedTable& table, const std::string& scope) {
    size_t n = 0;
    for (const storage::Partition partition :
         {RowPartition(table.table.table_type), storage::Partition::kPrimaryKey}) {
      auto it = kv_->NewIterator(
          partition, storage::KeyRange::Prefix(ScopePrefix(table.table.table_id, scope)));
      for (; it->Valid(); it->Next())
        ++n;
    }
    return n;
  };
  EXPECT_EQ(count(*table_, "bob"), 0u);
  EXPECT_EQ(count(*stream, "bob"), 0u);
  EXPECT_EQ(count(*table_, "alice"), 4u);  // two versions and two index entries
  EXPECT_EQ(count(*stream, "alice"), 1u);
  // bob's keys are free again: a new row 1 is no duplicate.
  EXPECT_OK(writer_->Insert(*table_, "bob", {Row(1, "new")}).status());
}

TEST_F(TableWriterTest, ConcurrentWritersNeverDuplicateAKeyOrLoseARow) {
  constexpr int kThreads = 8;
  constexpr int kKeys = 200;
  std::atomic<int> wins{0};
  {
    std::vector<std::jthread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int key = 0; key < kKeys; ++key) {  // every thread tries every key
          if (writer_->Insert(*table_, "alice", {Row(key, std::to_string(t))}).ok()) ++wins;
        }
        // And each thread writes keys only it uses: none of these may be lost.
        for (int key = 0; key < 50; ++key) {
          ASSERT_OK(writer_->Insert(*table_, "alice", {Row(10000 + t * 100 + key, "own")}));
        }
      });
    }
  }
  EXPECT_EQ(wins, kKeys);
  for (int t = 0; t < kThreads; ++t) {
    for (int key = 0; key < 50; ++key) {
      ASSERT_OK_AND_ASSIGN(const auto row,
                           TableReader::Get(*ReadView::Open(*kv_, 0), *table_, "alice",
                                            Value::Int64(10000 + t * 100 + key)));
      ASSERT_TRUE(row.has_value());
    }
  }
  // Published in commit order: _seq strictly increases across all statements.
  int64_t last = 0;
  for (const auto& statement : Statements()) {
    for (const ChangeRecord& change : statement) {
      EXPECT_GT(change.seq, last);
      last = change.seq;
    }
  }
}

// A schema change commits with commits held off while it checks, and then fences the old
// schema: rows prepared with it are refused and nothing is written, rows prepared with the
// new one commit. A failed check writes nothing and fences nothing.
TEST_F(TableWriterTest, SchemaChangeRefusesRowsPreparedForTheOldSchema) {
  ASSERT_OK(writer_->Insert(*table_, "alice", {Row(1, "a")}));
  EXPECT_TRUE(writer_->IsCurrent(*table_));
  catalog::TableRecord record = table_->table;
  record.schema_version = 2;
  catalog::SchemaVersionRecord schema = table_->schema;
  schema.version = 2;
  schema.columns.push_back({.column_id = 3, .name = "extra", .type = {.kind = Kind::kInt}});
  const auto altered =
      std::make_shared<const catalog::CachedTable>(std::move(record), std::move(schema));

  storage::WriteBatch refused_batch;
  refused_batch.Put(storage::Partition::kSystem, "marker", "refused");
  bool written = false;
  EXPECT_EQ(writer_->CommitSchemaChange(
                refused_batch, *altered, [] { return Status::InvalidArgument("no"); },
                [&] { written = true; }),
            Status::InvalidArgument("no"));
  EXPECT_FALSE(written);
  ASSERT_OK_AND_ASSIGN(const auto unwritten, kv_->Get(storage::Partition::kSystem, "marker"));
  EXPECT_FALSE(unwritten.has_value());
  EXPECT_TRUE(writer_->IsCurrent(*table_));

  storage::WriteBatch batch;
  batch.Put(storage::Partition::kSystem, "marker", "written");
  ASSERT_OK(writer_->CommitSchemaChange(
      batch, *altered,
      [&] {
        // The check reads the current state under the commit lock.
        TableReader scan(writer_->CurrentReadView(), {.table = altered, .every_scope = true});
        std::vector<RowVersion> rows;
        KALAM_RETURN_IF_ERROR(scan.Next(10, rows));
        EXPECT_EQ(rows.size(), 1u);
        return Status();
      },
      [&] { written = true; }));
  EXPECT_TRUE(written);
  ASSERT_OK_AND_ASSIGN(const auto marker, kv_->Get(storage::Partition::kSystem, "marker"));
  EXPECT_EQ(marker, "written");
  EXPECT_FALSE(writer_->IsCurrent(*table_));
  EXPECT_TRUE(writer_->IsCurrent(*altered));
  for (const Result<size_t>& refused : {writer_->Insert(*table_, "alice", {Row(2, "b")}),
                                        writer_->Update(*table_, "alice", {Row(1, "a2")}),
                                        writer_->Delete(*table_, "alice", {Value::Int64(1)})}) {
    EXPECT_EQ(refused.status().code(), StatusCode::kConflict);
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr("was altered"));
  }
  ASSERT_OK(
      writer_->Insert(*altered, "alice", {{Value::Int64(2), Value::Text("b"), Value::Int32(3)}}));
  ASSERT_OK_AND_ASSIGN(const auto one, TableReader::Get(*writer_->CurrentReadView(), *altered,
                                                        "alice", Value::Int64(1)));
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->values[1].text, "a");  // the refused update wrote nothing
}

// The commit point enforces every column's constraints, VARCHAR lengths included.
TEST_F(TableWriterTest, CommitChecksVarcharLengths) {
  catalog::TableRecord record = table_->table;
  record.table_id = TableId(3);
  catalog::SchemaVersionRecord schema = table_->schema;
  schema.columns[1].type.length = 3;
  const catalog::CachedTable narrow(std::move(record), std::move(schema));
  EXPECT_THAT(std::string(writer_->Insert(narrow, "alice", {Row(1, "abcd")}).status().message()),
              HasSubstr("VARCHAR(3)"));
  ASSERT_OK(writer_->Insert(narrow, "alice", {Row(1, "abc")}));
}

}  // namespace
}  // namespace kalam::tables

#include "catalog/catalog.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "tests/testing/test_util.h"

namespace kalam::catalog {
namespace {

using ::testing::HasSubstr;

ColumnDefinition Column(std::string name, DataType::Kind kind, bool primary_key = false) {
  return {.name = std::move(name),
          .type = {.kind = kind},
          .nullable = !primary_key,
          .primary_key = primary_key};
}

TableRecord Table(std::string ns, std::string name, TableType type = TableType::kUser) {
  return {.namespace_id = std::move(ns), .table_name = std::move(name), .table_type = type};
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore(dir_.str(), {}));
    ASSERT_OK_AND_ASSIGN(catalog_, Catalog::Open(*kv_, clock_, {.default_storage_path = "/st"}));
  }
  void Reopen() {
    catalog_.reset();
    kv_->Stop();
    kv_.reset();
    Open();
  }
  std::shared_ptr<const CachedTable> CreateMessages() {
    Result<std::shared_ptr<const CachedTable>> table = catalog_->CreateTable(
        Table("app", "messages"),
        {Column("id", DataType::Kind::kBigInt, true), Column("body", DataType::Kind::kText)});
    EXPECT_OK(table);
    return table.ok() ? *table : nullptr;
  }

  // Commits a drop's catalog batch as it is (these tests hold no rows).
  Catalog::DropCommit WriteOnly() {
    return [this](storage::WriteBatch& batch, const std::vector<TableId>&) {
      return kv_->Write(batch);
    };
  }

  // Commits an ALTER's catalog batch as it is (these tests hold no rows).
  Catalog::AlterCommit WriteSchema() {
    return [this](storage::WriteBatch& batch, const std::shared_ptr<const CachedTable>&,
                  const std::function<void()>& written) {
      KALAM_RETURN_IF_ERROR(kv_->Write(batch));
      written();
      return Status();
    };
  }

  testing::TempDir dir_;
  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(1000))};
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogTest, FirstOpenBootstrapsLocalStorageDefaultNamespaceAndRoot) {
  ASSERT_OK_AND_ASSIGN(const auto local, catalog_->GetStorage("local"));
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->base_directory, "/st");
  EXPECT_EQ(local->user_tables_template, "{namespace}/{tableName}/{userId}");
  ASSERT_OK_AND_ASSIGN(const auto root, catalog_->GetUser("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->role, Role::kSystem);
  EXPECT_TRUE(root->password_hash.empty());
  ASSERT_OK_AND_ASSIGN(const auto default_ns, catalog_->GetNamespace("default"));
  EXPECT_TRUE(default_ns.has_value());
}

TEST_F(CatalogTest, NamespaceLifecycle) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  EXPECT_EQ(catalog_->CreateNamespace("app"),
            Status::AlreadyExists("Namespace 'app' already exists"));
  ASSERT_OK(catalog_->SetNamespaceOptions("app", {{"enabled", "true"}}));
  ASSERT_OK_AND_ASSIGN(const auto app, catalog_->GetNamespace("app"));
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(app->options.size(), 1u);
  ASSERT_OK(catalog_->DropNamespace("app", false, WriteOnly()));
  EXPECT_EQ(catalog_->DropNamespace("app", false, WriteOnly()),
            Status::NamespaceNotFound("Namespace 'app' not found"));
}

TEST_F(CatalogTest, DropNonEmptyNamespaceNeedsCascadeWhichRemovesTablesAndRows) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  const auto table = CreateMessages();
  ASSERT_NE(table, nullptr);
  std::vector<TableId> dropped;
  const Catalog::DropCommit commit = [&](storage::WriteBatch& drop,
                                         const std::vector<TableId>& tables) {
    dropped = tables;
    return kv_->Write(drop);
  };
  const Status refused = catalog_->DropNamespace("app", false, commit);
  EXPECT_EQ(refused.code(), StatusCode::kConflict);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("namespace contains 1 table(s)"));
  EXPECT_TRUE(dropped.empty());  // nothing was committed
  ASSERT_OK(catalog_->DropNamespace("app", true, commit));
  EXPECT_EQ(catalog_->GetTable("app", "messages").status().code(), StatusCode::kTableNotFound);
  // The commit is handed every dropped table, to delete their rows in the same batch.
  EXPECT_EQ(dropped, std::vector<TableId>{table->table.table_id});
}

TEST_F(CatalogTest, CreateTableAssignsIdsAndChecksReferences) {
  EXPECT_EQ(catalog_->CreateTable(Table("app", "messages"), {}).status(),
            Status::NamespaceNotFound("Namespace 'app' not found"));
  ASSERT_OK(catalog_->CreateNamespace("app"));
  const auto first = CreateMessages();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->table.table_id, TableId(1));
  EXPECT_EQ(first->schema.columns[0].column_id, 1u);
  EXPECT_EQ(first->schema.columns[1].column_id, 2u);
  EXPECT_EQ(first->schema.next_column_id, 3u);
  EXPECT_EQ(catalog_->CreateTable(Table("app", "messages"), {}).status(),
            Status::AlreadyExists("Table app.messages already exists"));
  TableRecord elsewhere = Table("app", "other");
  elsewhere.options.storage_id = StorageId("nowhere");
  EXPECT_EQ(catalog_->CreateTable(elsewhere, {}).status(),
            Status::NotFound("Storage 'nowhere' not found"));
  ASSERT_OK_AND_ASSIGN(const auto second, catalog_->CreateTable(Table("app", "t2"), {}));
  EXPECT_EQ(second->table.table_id, TableId(2));
}

TEST_F(CatalogTest, EngineColumnsIncludeSystemColumnsByTableType) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  const auto user = CreateMessages();
  ASSERT_NE(user, nullptr);
  std::vector<std::string> names;
  for (const EngineColumn& column : user->engine_columns)
    names.emplace_back(column.name);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "body", "_seq", "_deleted"}));
  ASSERT_OK_AND_ASSIGN(const auto stream,
                       catalog_->CreateTable(Table("app", "events", TableType::kStream),
                                             {Column("kind", DataType::Kind::kText)}));
  EXPECT_EQ(stream->engine_columns.back().name, "_seq");
}

TEST_F(CatalogTest, AlterKeepsEveryVersionAndStableColumnIds) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  ASSERT_NE(CreateMessages(), nullptr);
  const auto add_column = [](std::string name) {
    return [name](const CachedTable& current) -> Result<TableChange> {
      TableChange change{current.table, current.schema.columns, current.schema.next_column_id,
                         "ADD COLUMN " + name};
      ColumnDefinition column{.column_id = change.next_column_id++, .name = name};
      change.columns.push_back(column);
      return change;
    };
  };
  ASSERT_OK(catalog_->AlterTable("app", "messages", add_column("a"), WriteSchema()));
  ASSERT_OK(catalog_->AlterTable("app", "messages", add_column("b"), WriteSchema()));
  ASSERT_OK_AND_ASSIGN(const auto current, catalog_->GetTable("app", "messages"));
  EXPECT_EQ(current->table.schema_version, 3u);
  EXPECT_EQ(current->FindColumn("b")->column_id, 4u);

  Reopen();
  ASSERT_OK_AND_ASSIGN(const auto history, catalog_->SchemaHistory(current->table.table_id));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].change, "created");
  EXPECT_EQ(history[0].columns.size(), 2u);
  EXPECT_EQ(history[2].change, "ADD COLUMN b");
  EXPECT_EQ(history[2].columns.size(), 4u);
}

TEST_F(CatalogTest, FailedAlterChangesNothing) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  ASSERT_NE(CreateMessages(), nullptr);
  const Status refused =
      catalog_
          ->AlterTable(
              "app", "messages",
              [](const CachedTable&) { return Result<TableChange>(Status::InvalidArgument("no")); },
              WriteSchema())
          .status();
  EXPECT_EQ(refused, Status::InvalidArgument("no"));
  // A commit that refuses (a stored row fails the new schema) changes nothing either.
  const auto unchanged = [](const CachedTable& current) -> Result<TableChange> {
    return TableChange{current.table, current.schema.columns, current.schema.next_column_id,
                       "SET nothing"};
  };
  EXPECT_EQ(
      catalog_
          ->AlterTable("app", "messages", unchanged,
                       [](storage::WriteBatch&, const std::shared_ptr<const CachedTable>& altered,
                          const std::function<void()>&) {
                         EXPECT_EQ(altered->table.schema_version, 2u);
                         return Status::InvalidArgument("a row fails");
                       })
          .status(),
      Status::InvalidArgument("a row fails"));
  ASSERT_OK_AND_ASSIGN(const auto current, catalog_->GetTable("app", "messages"));
  EXPECT_EQ(current->table.schema_version, 1u);
  Reopen();
  ASSERT_OK_AND_ASSIGN(const auto reloaded, catalog_->GetTable("app", "messages"));
  EXPECT_EQ(reloaded->table.schema_version, 1u);
}

TEST_F(CatalogTest, RegistryCachesAndIsInvalidatedByDdl) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  ASSERT_NE(CreateMessages(), nullptr);
  for (int i = 0; i < 100; ++i)
    ASSERT_OK(catalog_->GetTable("app", "messages"));
  SchemaCacheStats stats = catalog_->CacheStats();
  EXPECT_EQ(stats.misses, 0u);  // CREATE TABLE cached the version it wrote
  EXPECT_EQ(stats.hits, 100u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_GT(stats.approximate_bytes, 0u);
  ASSERT_OK(catalog_->DropTable("app", "messages", WriteOnly()));
  EXPECT_EQ(catalog_->GetTable("app", "messages").status(),
            Status::TableNotFound("Table app.messages not found"));
  EXPECT_EQ(catalog_->CacheStats().entries, 0u);
}

TEST_F(CatalogTest, EverythingSurvivesReopen) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  ASSERT_NE(CreateMessages(), nullptr);
  ASSERT_OK(
      catalog_->CreateView({.namespace_id = "app", .view_name = "v", .sql = "SELECT 1"}, false));
  Reopen();
  ASSERT_OK(catalog_->GetTable("app", "messages"));
  ASSERT_OK_AND_ASSIGN(const auto view, catalog_->GetView("app", "v"));
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->sql, "SELECT 1");
  ASSERT_OK_AND_ASSIGN(const auto tables, catalog_->ListTables());
  EXPECT_EQ(tables.size(), 1u);
  // Table ids are never reused, even after a drop and a restart.
  ASSERT_OK(catalog_->DropTable("app", "messages", WriteOnly()));
  Reopen();
  ASSERT_OK_AND_ASSIGN(const auto again, catalog_->CreateTable(Table("app", "messages"), {}));
  EXPECT_EQ(again->table.table_id, TableId(2));
}

TEST(TableRecordTest, VersionTwoKeepsTheCreatorAndVersionOneReadsWithout) {
  TableRecord table = Table("app", "t", TableType::kShared);
  table.created_by = "u_alice";
  ASSERT_OK_AND_ASSIGN(const TableRecord again,
                       storage::DecodeRecord<TableRecord>(storage::EncodeRecord(table)));
  EXPECT_EQ(again, table);
  // A version-1 record is the same bytes without the trailing creator (an empty string is
  // one byte) under version 1.
  table.created_by.clear();
  std::string v1 = storage::EncodeRecord(table);
  ASSERT_EQ(v1.front(), '\x02');
  v1.front() = '\x01';
  v1.pop_back();
  ASSERT_OK_AND_ASSIGN(const TableRecord old, storage::DecodeRecord<TableRecord>(v1));
  EXPECT_EQ(old, table);
}

TEST(UserRecordTest, VersionTwoKeepsTheTokenGenerationAndVersionOneReadsAsZero) {
  UserRecord user{.user_id = "u_1",
                  .username = "carol",
                  .password_hash = "$argon2id$x",
                  .auth_type = "password",
                  .created_at = 5,
                  .updated_at = 6,
                  .token_generation = 3};
  ASSERT_OK_AND_ASSIGN(const UserRecord again,
                       storage::DecodeRecord<UserRecord>(storage::EncodeRecord(user)));
  EXPECT_EQ(again, user);
  // A version-1 record (written before token generations) is the same bytes without the
  // trailing generation (0 is one byte) under version 1.
  user.token_generation = 0;
  std::string v1 = storage::EncodeRecord(user);
  ASSERT_EQ(v1.front(), '\x02');
  v1.front() = '\x01';
  v1.pop_back();
  ASSERT_OK_AND_ASSIGN(const UserRecord old, storage::DecodeRecord<UserRecord>(v1));
  EXPECT_EQ(old, user);
}

TEST(SchemaVersionRecordTest, VersionTwoKeepsLengthsAndFillValuesAndVersionOneReadsWithout) {
  ColumnDefinition code = Column("code", DataType::Kind::kText);
  code.column_id = 4;
  code.type.length = 5;
  code.nullable = false;
  code.default_value = {ColumnDefault::Kind::kString, "abc"};
  code.fill_value = Value::Text("abc");
  ColumnDefinition id = Column("id", DataType::Kind::kBigInt, true);
  id.column_id = 1;
  SchemaVersionRecord schema;
  schema.version = 3;
  schema.columns = {id, code};
  schema.next_column_id = 5;
  schema.change = "ADD COLUMN code VARCHAR(5) NOT NULL DEFAULT 'abc'";
  ASSERT_OK_AND_ASSIGN(const SchemaVersionRecord again,
                       storage::DecodeRecord<SchemaVersionRecord>(storage::EncodeRecord(schema)));
  EXPECT_EQ(again, schema);

  // Version 1, as written before lengths and fill values: per column id, name, type (kind,
  // dimension, precision, scale), nullable, primary key, default kind and literal, comment.
  storage::RecordWriter v1;
  v1.PutVarint(1);  // record version
  v1.PutVarint(2);  // schema version
  v1.PutVarint(1);  // one column
  v1.PutVarint(7);
  v1.PutString("body");
  v1.PutVarint(static_cast<uint64_t>(DataType::Kind::kText));
  for (int i = 0; i < 3; ++i) {
    v1.PutVarint(0);  // dimension, precision, scale
  }
  v1.PutBool(true);
  v1.PutBool(false);
  v1.PutVarint(static_cast<uint64_t>(ColumnDefault::Kind::kNone));
  v1.PutString("");
  v1.PutString("a note");
  v1.PutVarint(8);
  v1.PutString("created");
  v1.PutSignedVarint(5);
  ASSERT_OK_AND_ASSIGN(const SchemaVersionRecord old,
                       storage::DecodeRecord<SchemaVersionRecord>(v1.data()));
  ASSERT_EQ(old.columns.size(), 1u);
  ColumnDefinition body = Column("body", DataType::Kind::kText);
  body.column_id = 7;
  body.comment = "a note";
  EXPECT_EQ(old.columns[0], body);
  EXPECT_EQ(old.columns[0].fill_value.kind, Value::Kind::kNull);
  EXPECT_EQ(old.next_column_id, 8u);
  EXPECT_EQ(old.change, "created");
}

TEST_F(CatalogTest, RenameMovesTheNameAndKeepsTheIdAndHistory) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  const std::shared_ptr<const CachedTable> created = CreateMessages();
  ASSERT_NE(created, nullptr);
  ASSERT_OK(catalog_->CreateTable(Table("app", "taken"), {}));
  ASSERT_OK(
      catalog_->CreateView({.namespace_id = "app", .view_name = "v", .sql = "SELECT 1"}, false));
  const auto rename_to = [](std::string name) {
    return [name](const CachedTable& current) -> Result<TableChange> {
      TableChange change{current.table, current.schema.columns, current.schema.next_column_id,
                         "RENAME TO " + name};
      change.table.table_name = name;
      return change;
    };
  };
  for (const char* clash : {"taken", "v"}) {
    EXPECT_EQ(
        catalog_->AlterTable("app", "messages", rename_to(clash), WriteSchema()).status().code(),
        StatusCode::kAlreadyExists)
        << clash;
  }
  ASSERT_OK_AND_ASSIGN(const auto renamed,
                       catalog_->AlterTable("app", "messages", rename_to("m"), WriteSchema()));
  EXPECT_EQ(renamed->qualified_name, "app.m");
  EXPECT_EQ(catalog_->GetTable("app", "messages").status().code(), StatusCode::kTableNotFound);
  Reopen();
  EXPECT_EQ(catalog_->GetTable("app", "messages").status().code(), StatusCode::kTableNotFound);
  ASSERT_OK_AND_ASSIGN(const auto reloaded, catalog_->GetTable("app", "m"));
  EXPECT_EQ(reloaded->table.table_id, created->table.table_id);
  EXPECT_EQ(reloaded->table.schema_version, 2u);
  ASSERT_OK_AND_ASSIGN(const auto history, catalog_->SchemaHistory(reloaded->table.table_id));
  EXPECT_EQ(history.size(), 2u);
  ASSERT_OK(catalog_->CreateTable(Table("app", "messages"), {}));  // the old name is free
}

TEST_F(CatalogTest, ViewsAndTablesShareNames) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  ASSERT_NE(CreateMessages(), nullptr);
  EXPECT_EQ(catalog_->CreateView({.namespace_id = "app", .view_name = "messages"}, false),
            Status::AlreadyExists("Table app.messages already exists"));
  ASSERT_OK(catalog_->CreateView({.namespace_id = "app", .view_name = "v", .sql = "a"}, false));
  EXPECT_EQ(catalog_->CreateView({.namespace_id = "app", .view_name = "v"}, false).code(),
            StatusCode::kAlreadyExists);
  ASSERT_OK(catalog_->CreateView({.namespace_id = "app", .view_name = "v", .sql = "b"}, true));
  EXPECT_EQ(catalog_->CreateTable(Table("app", "v"), {}).status(),
            Status::AlreadyExists("Table app.v already exists"));
  ASSERT_OK(catalog_->DropView("app", "v"));
  EXPECT_EQ(catalog_->DropView("app", "v").code(), StatusCode::kTableNotFound);
}

TEST_F(CatalogTest, StorageRules) {
  ASSERT_OK(catalog_->CreateStorage(
      {.storage_id = "archive", .storage_type = "filesystem", .base_directory = "/archive"}));
  EXPECT_EQ(catalog_->CreateStorage({.storage_id = "archive"}).code(), StatusCode::kAlreadyExists);
  ASSERT_OK(catalog_->AlterStorage("archive", [](StorageRecord& storage) {
    storage.description = "cold";
    return Status();
  }));
  ASSERT_OK_AND_ASSIGN(const auto archive, catalog_->GetStorage("archive"));
  EXPECT_EQ(archive->description, "cold");
  EXPECT_EQ(catalog_->DropStorage("local").code(), StatusCode::kPermissionDenied);
  ASSERT_OK(catalog_->CreateNamespace("app"));
  TableRecord table = Table("app", "t");
  table.options.storage_id = StorageId("archive");
  ASSERT_OK(catalog_->CreateTable(table, {}));
  EXPECT_EQ(catalog_->DropStorage("archive"),
            Status::Conflict("Cannot drop storage 'archive': it is used by 1 table(s)"));
  ASSERT_OK(catalog_->DropTable("app", "t", WriteOnly()));
  ASSERT_OK(catalog_->DropStorage("archive"));
}

TEST_F(CatalogTest, ConcurrentCreatesOfOneNameLetExactlyOneWin) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  std::atomic<int> created{0};
  {
    std::vector<std::jthread> threads;
    threads.reserve(8);
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        if (catalog_->CreateTable(Table("app", "race"), {}).ok()) ++created;
      });
    }
  }
  EXPECT_EQ(created, 1);
}

TEST_F(CatalogTest, AuditEntriesListInIdOrder) {
  for (const char* id : {"300", "20", "1000"}) {
    ASSERT_OK(catalog_->AppendAudit({.audit_id = id, .action = "CREATE"}));
  }
  EXPECT_EQ(catalog_->AppendAudit({.audit_id = "abc"}).code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(const auto entries, catalog_->ListAudit());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].audit_id, "20");
  EXPECT_EQ(entries[2].audit_id, "1000");
}

TEST_F(CatalogTest, NewerSystemSchemaVersionIsRefused) {
  catalog_.reset();
  ASSERT_OK(WriteSystemSchemaVersion(*kv_, kSystemSchemaVersion + 1));
  const Status refused = Catalog::Open(*kv_, clock_, {}).status();
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("written by a newer KalamDB (system schema version 2); this build reads "
                        "up to version 1"));
}

TEST_F(CatalogTest, OlderSystemSchemaVersionIsUpgradedKeepingData) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  ASSERT_OK(catalog_->PutUser({.user_id = "root", .username = "root", .email = "kept@x"}));
  catalog_.reset();
  ASSERT_OK(WriteSystemSchemaVersion(*kv_, 0));  // as written before the marker existed
  ASSERT_OK_AND_ASSIGN(catalog_, Catalog::Open(*kv_, clock_, {}));
  ASSERT_OK_AND_ASSIGN(const auto app, catalog_->GetNamespace("app"));
  EXPECT_TRUE(app.has_value());
  ASSERT_OK_AND_ASSIGN(const auto root, catalog_->GetUser("root"));
  EXPECT_EQ(root->email, "kept@x");  // the bootstrap does not overwrite existing records
  catalog_.reset();
  // The marker now says version 1: opening again runs no upgrade and still works.
  ASSERT_OK_AND_ASSIGN(catalog_, Catalog::Open(*kv_, clock_, {}));
}

}  // namespace
}  // namespace kalam::catalog

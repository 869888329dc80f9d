#include "sql/executor.h"

#include <chrono>
#include <cstdlib>
#include <future>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tables/table_writer.h"
#include "tests/testing/collecting_sink.h"
#include "tests/testing/test_util.h"

namespace kalam::sql {
namespace {

using ::testing::HasSubstr;

// The executor over a real catalog (RocksDB in a temp dir) and a real DuckDB engine.
class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore((dir_.path() / "rocksdb").string(), {}));
    ASSERT_OK_AND_ASSIGN(catalog_, catalog::Catalog::Open(*kv_, clock_, {"/st"}));
    tables_ = std::make_unique<engine::SystemTables>(*catalog_, engine::ServerInfo{"n", "v", {}});
    ASSERT_OK_AND_ASSIGN(engine_, engine::Engine::Open({.threads = 1,
                                                        .memory_limit_mb = 128,
                                                        .connections = 1,
                                                        .allowed_directory = dir_.str() + "/st"},
                                                       *tables_));
    writer_ = std::make_unique<tables::TableWriter>(*kv_, snowflake_, bus_);
    executor_ =
        std::make_unique<SqlExecutor>(*catalog_, *engine_, *tables_, clock_, snowflake_, *writer_);
    ASSERT_OK(Run("CREATE NAMESPACE app", catalog::Role::kSystem));
  }

  Status Run(const std::string& sql, catalog::Role role) {
    return RunAs(sql, role, role == catalog::Role::kSystem ? "root" : "u1");
  }
  Status RunAs(const std::string& sql, catalog::Role role, const std::string& user) {
    ExecutionContext context;
    context.role = role;
    context.user_id = UserId(user);
    context.username = user;
    testing::CollectingSink sink;
    return executor_->Execute(sql, context, sink);
  }

  // Runs a query as `user` (role user unless given) and returns its rows.
  std::vector<std::vector<Value>> Query(const std::string& sql, const std::string& user,
                                        catalog::Role role = catalog::Role::kUser) {
    ExecutionContext context;
    context.role = role;
    context.user_id = UserId(user);
    testing::CollectingSink sink;
    const Status status = executor_->Execute(sql, context, sink);
    EXPECT_TRUE(status.ok()) << sql << ": " << status.ToString();
    return status.ok() ? sink.last().rows : std::vector<std::vector<Value>>{};
  }

  std::shared_ptr<const catalog::CachedTable> Table(const std::string& name) {
    Result<std::shared_ptr<const catalog::CachedTable>> table = catalog_->GetTable("app", name);
    EXPECT_TRUE(table.ok());
    return table.ok() ? *table : nullptr;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  SnowflakeGenerator snowflake_{clock_, NodeId("n")};
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<engine::SystemTables> tables_;
  std::unique_ptr<engine::Engine> engine_;
  tables::ChangeBus bus_;
  std::unique_ptr<tables::TableWriter> writer_;
  std::unique_ptr<SqlExecutor> executor_;
};

std::vector<Value> Message(int64_t id, std::string body) {
  return {Value::Int64(id), Value::Text(std::move(body))};
}

class ScopedQueryTest : public ExecutorTest {
 protected:
  void SetUp() override {
    ExecutorTest::SetUp();
    ASSERT_OK(Run("CREATE USER TABLE app.messages (id BIGINT PRIMARY KEY, body TEXT)",
                  catalog::Role::kSystem));
    ASSERT_OK(
        Run("CREATE SHARED TABLE app.topics (id BIGINT PRIMARY KEY, title TEXT) "
            "WITH (ACCESS_LEVEL = 'PUBLIC')",
            catalog::Role::kSystem));
    messages_ = Table("messages");
    ASSERT_OK(writer_->Insert(*messages_, "alice", {Message(1, "a1"), Message(2, "a2")}));
    ASSERT_OK(writer_->Insert(*messages_, "bob", {Message(1, "b1")}));
    ASSERT_OK(writer_->Insert(*Table("topics"), "", {Message(1, "general"), Message(2, "random")}));
  }

  std::shared_ptr<const catalog::CachedTable> messages_;
};

TEST_F(ScopedQueryTest, EachUserSeesOnlyTheirOwnRows) {
  const auto alice = Query("SELECT id, body FROM app.messages ORDER BY id", "alice");
  ASSERT_EQ(alice.size(), 2u);
  EXPECT_EQ(alice[1][1].text, "a2");
  const auto bob = Query("SELECT body FROM app.messages", "bob");
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0][0].text, "b1");
  EXPECT_TRUE(Query("SELECT * FROM app.messages", "carol").empty());
  const auto counts = Query("SELECT count(*), max(body) FROM app.messages", "alice");
  EXPECT_EQ(counts[0][0].integer, 2);
  EXPECT_EQ(counts[0][1].text, "a2");
}

TEST_F(ScopedQueryTest, LatestVersionWinsAndTombstonesStayHiddenUnlessNamed) {
  ASSERT_OK(writer_->Update(*messages_, "alice", {Message(1, "a1 edited")}));
  ASSERT_OK(writer_->Delete(*messages_, "alice", {Value::Int64(2)}));
  const auto rows = Query("SELECT * FROM app.messages", "alice");
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 2u);  // SELECT * shows the table's columns, not _seq/_deleted
  EXPECT_EQ(rows[0][1].text, "a1 edited");
  // Role user may name _deleted but never gets a tombstone; dba sees them.
  const auto live = Query("SELECT id, _deleted FROM app.messages ORDER BY id", "alice");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_FALSE(live[0][1].boolean);
  const auto with_deleted = Query("SELECT id, _deleted, _seq FROM app.messages ORDER BY id",
                                  "alice", catalog::Role::kDba);
  ASSERT_EQ(with_deleted.size(), 2u);
  EXPECT_FALSE(with_deleted[0][1].boolean);
  EXPECT_TRUE(with_deleted[1][1].boolean);
  EXPECT_GT(with_deleted[1][2].integer, with_deleted[0][2].integer);
}

TEST_F(ScopedQueryTest, JoinsUserSharedAndSystemTables) {
  const auto rows = Query(
      "SELECT m.body, t.title FROM app.messages m JOIN app.topics t ON t.id = m.id ORDER BY m.id",
      "alice");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][1].text, "general");
  EXPECT_EQ(Query("SELECT count(*) FROM app.topics", "bob")[0][0].integer, 2);
  ExecutionContext admin;  // root: joins with a system table
  admin.user_id = UserId("root");
  admin.role = catalog::Role::kSystem;
  testing::CollectingSink sink;
  ASSERT_OK(
      executor_->Execute("SELECT t.table_type, count(*) FROM app.messages m, system.tables t "
                         "WHERE t.table_name = 'messages' GROUP BY 1",
                         admin, sink));
  EXPECT_TRUE(sink.last().rows.empty());  // root owns no messages: its scope is empty
}

TEST_F(ScopedQueryTest, ViewsRunInTheCallersScope) {
  ASSERT_OK(Run("CREATE VIEW app.my_messages AS SELECT body FROM messages WHERE id > 0",
                catalog::Role::kSystem));
  EXPECT_EQ(Query("SELECT * FROM app.my_messages", "alice").size(), 2u);
  EXPECT_EQ(Query("SELECT * FROM app.my_messages", "bob").size(), 1u);
}

TEST_F(ScopedQueryTest, PrimaryKeyFastPathMatchesTheGeneralPathAndKeepsScopes) {
  ASSERT_OK(
      Run("CREATE TABLE app.wide (id BIGINT PRIMARY KEY, f FLOAT, price DECIMAL(10,2), "
          "vec EMBEDDING(2), at_time TIMESTAMP, doc JSON)",
          catalog::Role::kSystem));
  ExecutionContext alice;
  alice.role = catalog::Role::kUser;
  alice.user_id = UserId("alice");
  testing::CollectingSink ignored;
  ASSERT_OK(
      executor_->Execute("INSERT INTO app.wide VALUES (7, 1.1, 12.5, '[0.5, 1.5]', "
                         "'2026-11-22T10:00:00.123456Z', '{\"a\": 1}')",
                         alice, ignored));
  // The fast path (pk = literal) and the general path (an extra predicate) must agree on
  // columns, types and values.
  for (const char* select :
       {"SELECT * FROM app.wide WHERE id = 7", "SELECT f, _seq, doc FROM app.wide WHERE 7 = id"}) {
    testing::CollectingSink fast;
    testing::CollectingSink general;
    ASSERT_OK(executor_->Execute(select, alice, fast));
    ASSERT_OK(executor_->Execute(std::string(select) + " AND true", alice, general));
    ASSERT_EQ(fast.last().columns.size(), general.last().columns.size()) << select;
    for (size_t i = 0; i < fast.last().columns.size(); ++i) {
      EXPECT_EQ(fast.last().columns[i].name, general.last().columns[i].name);
      EXPECT_EQ(fast.last().columns[i].data_type, general.last().columns[i].data_type) << i;
    }
    ASSERT_EQ(fast.last().rows.size(), 1u);
    ASSERT_EQ(general.last().rows.size(), 1u);
    for (size_t i = 0; i < fast.last().rows[0].size(); ++i) {
      const Value& a = fast.last().rows[0][i];
      const Value& b = general.last().rows[0][i];
      EXPECT_EQ(a.kind, b.kind) << select << " column " << i;
      EXPECT_EQ(a.integer, b.integer) << i;
      EXPECT_EQ(a.number, b.number) << i;
      EXPECT_EQ(a.text, b.text) << i;
      EXPECT_EQ(a.children.size(), b.children.size()) << i;
    }
  }
  // Scopes: bob cannot read alice's row by key; a deleted row is gone.
  EXPECT_TRUE(Query("SELECT * FROM app.wide WHERE id = 7", "bob").empty());
  EXPECT_EQ(Query("SELECT body FROM app.messages WHERE id = 2", "alice")[0][0].text, "a2");
  ASSERT_OK(writer_->Delete(*messages_, "alice", {Value::Int64(2)}));
  EXPECT_TRUE(Query("SELECT body FROM app.messages WHERE id = 2", "alice").empty());
  EXPECT_TRUE(Query("SELECT body, _deleted FROM app.messages WHERE id = 2", "alice").empty());
  EXPECT_EQ(
      Query("SELECT body, _deleted FROM app.messages WHERE id = 2", "alice", catalog::Role::kDba)
          .size(),
      1u);
}

TEST_F(ScopedQueryTest, SqlWritesPublishExactlyOneChangePerRowInCommitOrder) {
  std::vector<tables::ChangeRecord> changes;
  bus_.Flush();  // the fixture's own rows are delivered before this listener exists
  const uint64_t token = bus_.Subscribe([&](std::span<const tables::ChangeRecord> statement) {
    changes.insert(changes.end(), statement.begin(), statement.end());
  });
  ExecutionContext alice;
  alice.role = catalog::Role::kUser;
  alice.user_id = UserId("alice");
  testing::CollectingSink sink;
  ASSERT_OK(
      executor_->Execute("INSERT INTO app.messages VALUES (10, 'x'), (11, 'y')", alice, sink));
  ASSERT_OK(
      executor_->Execute("INSERT INTO app.messages SELECT id + 100, body FROM app.messages "
                         "WHERE id < 3",
                         alice, sink));
  ASSERT_OK(executor_->Execute(
      "UPDATE app.messages SET body = body || '!' WHERE id >= 10 AND id < 100", alice, sink));
  ASSERT_OK(executor_->Execute("DELETE FROM app.messages WHERE id = 101", alice, sink));  // PK
  alice.parameters = {Value::Text("z"), Value::Int64(11)};
  ASSERT_OK(executor_->Execute("UPDATE app.messages SET body = $1 WHERE id = $2", alice, sink));
  ASSERT_OK(executor_->Execute("DELETE FROM app.messages WHERE id > 101", alice, sink));
  bus_.Flush();
  bus_.Unsubscribe(token);
  using Op = tables::ChangeRecord::Op;
  ASSERT_EQ(changes.size(), 2u + 2u + 2u + 1u + 1u + 1u);
  EXPECT_EQ(changes[0].op, Op::kInsert);
  EXPECT_EQ(changes[2].new_row[0].integer, 101);  // INSERT … SELECT (rows 1 and 2 → 101, 102)
  EXPECT_EQ(changes[4].op, Op::kUpdate);
  EXPECT_EQ(changes[4].old_row[1].text, "x");
  EXPECT_EQ(changes[4].new_row[1].text, "x!");
  EXPECT_EQ(changes[6].op, Op::kDelete);
  EXPECT_EQ(changes[6].old_row[0].integer, 101);
  EXPECT_EQ(changes[7].op, Op::kUpdate);  // PK fast path, with parameters
  EXPECT_EQ(changes[7].old_row[1].text, "y!");
  EXPECT_EQ(changes[7].new_row[1].text, "z");
  EXPECT_EQ(changes[7].new_row[0].integer, 11);
  EXPECT_EQ(changes[8].op, Op::kDelete);  // general path
  EXPECT_EQ(changes[8].old_row[0].integer, 102);
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].scope, "alice");
    if (i > 0) {
      EXPECT_GT(changes[i].seq, changes[i - 1].seq);
    }
  }
}

TEST_F(ScopedQueryTest, PrimaryKeyUpdateAndDeleteTouchOnlyTheCallersRow) {
  ExecutionContext bob;
  bob.role = catalog::Role::kUser;
  bob.user_id = UserId("bob");
  testing::CollectingSink sink;
  ASSERT_OK(executor_->Execute("UPDATE app.messages SET body = 'B' WHERE id = 1", bob, sink));
  EXPECT_EQ(sink.last().message, "Updated 1 row(s)");
  ASSERT_OK(executor_->Execute("UPDATE app.messages SET body = 'B' WHERE id = 2", bob, sink));
  EXPECT_EQ(sink.last().message, "Updated 0 row(s)");  // alice's id 2 is not bob's
  ASSERT_OK(executor_->Execute("DELETE FROM app.messages WHERE 2 = id", bob, sink));
  EXPECT_EQ(sink.last().message, "Deleted 0 row(s)");
  EXPECT_EQ(Query("SELECT body FROM app.messages WHERE id = 1", "bob")[0][0].text, "B");
  EXPECT_EQ(Query("SELECT body FROM app.messages WHERE id = 1", "alice")[0][0].text, "a1");
  EXPECT_EQ(Query("SELECT count(*) FROM app.messages", "alice")[0][0].integer, 2);
  ASSERT_OK(executor_->Execute("DELETE FROM app.messages WHERE id = 1", bob, sink));
  EXPECT_EQ(sink.last().message, "Deleted 1 row(s)");
  EXPECT_TRUE(Query("SELECT * FROM app.messages", "bob").empty());
  EXPECT_EQ(Query("SELECT count(*) FROM app.messages", "alice")[0][0].integer, 2);
}

TEST_F(ScopedQueryTest, SharedTablesAreReadByAccessLevel) {
  ASSERT_OK(Run("CREATE SHARED TABLE app.private_notes (id BIGINT PRIMARY KEY, body TEXT)",
                catalog::Role::kSystem));  // PRIVATE by default
  ASSERT_OK(writer_->Insert(*Table("private_notes"), "", {Message(1, "secret")}));
  // Role user: refused on every read path (scan, point lookup, join, view).
  for (const char* sql :
       {"SELECT * FROM app.private_notes", "SELECT body FROM app.private_notes WHERE id = 1",
        "SELECT * FROM app.messages m JOIN app.private_notes p ON p.id = m.id"}) {
    EXPECT_EQ(Run(sql, catalog::Role::kUser).code(), StatusCode::kPermissionDenied) << sql;
  }
  ASSERT_OK(Run("CREATE VIEW app.leak AS SELECT body FROM private_notes", catalog::Role::kSystem));
  EXPECT_EQ(Run("SELECT * FROM app.leak", catalog::Role::kUser).code(),
            StatusCode::kPermissionDenied);
  // PUBLIC shared tables, and other roles, read normally.
  EXPECT_EQ(Query("SELECT count(*) FROM app.topics", "alice")[0][0].integer, 2);
  EXPECT_OK(Run("SELECT * FROM app.private_notes WHERE id = 1", catalog::Role::kService));
  ASSERT_OK(Run("ALTER TABLE app.private_notes SET ACCESS LEVEL PUBLIC", catalog::Role::kSystem));
  EXPECT_OK(Run("SELECT * FROM app.private_notes", catalog::Role::kUser));
}

TEST_F(ScopedQueryTest, ScanFunctionsCannotBeCalledDirectly) {
  EXPECT_EQ(Run("SELECT * FROM kalam_scan('app.messages', true)", catalog::Role::kUser).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Run("SELECT * FROM kalam_system('system.users')", catalog::Role::kUser).code(),
            StatusCode::kPermissionDenied);
}

// A random Value of any kind, lists and structs nested up to `depth` levels.
Value RandomValue(std::mt19937_64& random, int depth) {
  const auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  static const std::vector<std::string> kTexts = {
      "",     "a",          "héllo",     "1",        "2.5",
      "true", "2026-11-22", "{\"a\":1}", "\xff\xfe", std::string("nul\0byte", 8)};
  static const std::vector<int64_t> kIntegers = {0, 1, -1, 42, INT32_MAX, INT64_MAX, INT64_MIN};
  switch (pick(depth > 0 ? 15 : 13)) {
    case 0:
      return Value::Null();
    case 1:
      return Value::Boolean(pick(2) == 0);
    case 2:
      return Value::Int32(static_cast<int32_t>(random()));
    case 3:
      return Value::Int64(kIntegers[pick(kIntegers.size())]);
    case 4:
      return {.kind = Value::Kind::kUInt64, .unsigned_integer = random()};
    case 5:
      return Value::Double(pick(4) == 0 ? std::numeric_limits<double>::quiet_NaN()
                                        : static_cast<double>(random()) / 7.0);
    case 6:
      return {.kind = Value::Kind::kDecimal,
              .text = pick(2) == 0 ? "18446744073709551615" : "-12.345"};
    case 7:
      return Value::Text(kTexts[pick(kTexts.size())]);
    case 8:
      return Value::Json(pick(2) == 0 ? "{\"a\":[1,2]}" : "not json");
    case 9:
      return {.kind = Value::Kind::kBytes, .text = kTexts[pick(kTexts.size())]};
    case 10:
      return {.kind = Value::Kind::kTimestamp, .integer = kIntegers[pick(kIntegers.size())]};
    case 11:
      return {.kind = Value::Kind::kDate, .integer = kIntegers[pick(kIntegers.size())]};
    case 12:
      return {.kind = Value::Kind::kTime, .integer = kIntegers[pick(kIntegers.size())]};
    case 13: {  // a list, usually of one kind, so that most lists are valid
      Value list{.kind = Value::Kind::kList};
      const Value model = RandomValue(random, depth - 1);
      for (size_t i = pick(5); i > 0; --i) {
        list.children.push_back(pick(4) == 0   ? RandomValue(random, depth - 1)
                                : pick(3) == 0 ? Value::Null()
                                               : model);
      }
      return list;
    }
    default: {
      Value record{.kind = Value::Kind::kStruct};
      for (size_t i = pick(3); i > 0; --i) {
        record.children.push_back(RandomValue(random, depth - 1));
        record.field_names.push_back("f" + std::to_string(i));
      }
      return record;
    }
  }
}

// Every Value the API can produce (and every other kind) binds to a query and to an
// INSERT, with a result or a clear error: never a crash. KALAM_FUZZ_SECONDS runs it longer.
TEST_F(ExecutorTest, RandomParametersGiveAResultOrAClearError) {
  ASSERT_OK(Run("CREATE TABLE app.fuzz (id BIGINT PRIMARY KEY, t TEXT, d DOUBLE, j JSON)",
                catalog::Role::kSystem));
  const char* seconds_text = std::getenv("KALAM_FUZZ_SECONDS");
  const auto budget = std::chrono::milliseconds(
      seconds_text != nullptr ? static_cast<int64_t>(std::atof(seconds_text) * 1000) : 2000);
  std::mt19937_64 random(20261201);
  const std::vector<std::string> statements = {
      "SELECT $1", "SELECT $1 IS NULL, $1 = $1", "INSERT INTO app.fuzz (id, t) VALUES ($2, $1)",
      "INSERT INTO app.fuzz (id, d, j) SELECT $2, $1, $1", "SELECT count(*) FROM unnest($1)"};
  const auto start = std::chrono::steady_clock::now();
  int64_t next_id = 0;
  size_t runs = 0;
  size_t succeeded = 0;
  while (std::chrono::steady_clock::now() - start < budget) {
    ExecutionContext context;
    context.role = catalog::Role::kUser;
    context.user_id = UserId("fuzzer");
    context.parameters = {RandomValue(random, 4), Value::Int64(++next_id)};
    const std::string& sql = statements[runs++ % statements.size()];
    testing::CollectingSink sink;
    const Status status = executor_->Execute(sql, context, sink);
    if (status.ok()) {
      ++succeeded;
      continue;
    }
    EXPECT_NE(status.code(), StatusCode::kInternal) << sql << ": " << status.ToString();
    EXPECT_FALSE(status.message().empty()) << sql;
  }
  EXPECT_GT(runs, 100u);
  EXPECT_GT(succeeded, runs / 10);  // the generator reaches the success paths too
}

TEST_F(ExecutorTest, AdminOnlyStatementsAreRefusedForUsersAndServices) {
  for (const catalog::Role role : {catalog::Role::kUser, catalog::Role::kService}) {
    for (const char* sql : {"CREATE NAMESPACE x", "DROP NAMESPACE app",
                            "ALTER NAMESPACE app SET "
                            "OPTIONS (a = 1)",
                            "CREATE STORAGE s TYPE 'filesystem' BASE_DIRECTORY "
                            "'/s'",
                            "DROP STORAGE local", "CREATE VIEW app.v AS SELECT 1",
                            "DROP VIEW app.v", "DROP TABLE app.t"}) {
      const Status status = Run(sql, role);
      EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << sql;
      EXPECT_THAT(std::string(status.message()),
                  HasSubstr("Admin privileges (DBA or System role)"));
    }
  }
  EXPECT_OK(Run("CREATE VIEW app.v AS SELECT 1 AS one", catalog::Role::kDba));
}

TEST_F(ExecutorTest, TableDdlFollowsTheRoleMatrix) {
  using catalog::Role;
  EXPECT_OK(Run("CREATE USER TABLE app.u (id INT PRIMARY KEY)", Role::kUser));
  EXPECT_OK(Run("CREATE STREAM TABLE app.e (k TEXT) WITH (TTL_SECONDS = 5)", Role::kUser));
  EXPECT_EQ(Run("CREATE SHARED TABLE app.s1 (id INT PRIMARY KEY)", Role::kUser).code(),
            StatusCode::kPermissionDenied);
  EXPECT_OK(Run("CREATE SHARED TABLE app.s2 (id INT PRIMARY KEY)", Role::kService));
  EXPECT_OK(Run("ALTER TABLE app.u ADD COLUMN a INT", Role::kUser));
  EXPECT_EQ(Run("ALTER TABLE app.s2 ADD COLUMN a INT", Role::kUser).code(),
            StatusCode::kPermissionDenied);
  EXPECT_OK(Run("ALTER TABLE app.s2 ADD COLUMN a INT", Role::kService));
  EXPECT_EQ(Run("ALTER TABLE app.u ADD COLUMN b INT", Role::kService).code(),
            StatusCode::kPermissionDenied);
  // A user alters only the USER/STREAM tables they created: the schema is everyone's.
  const Status other = RunAs("ALTER TABLE app.u ADD COLUMN c INT", Role::kUser, "u2");
  EXPECT_EQ(other.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(other.message()), HasSubstr("Role user may not ALTER USER table app.u"));
  ASSERT_OK(Run("CREATE USER TABLE app.by_root (id INT PRIMARY KEY)", Role::kSystem));
  EXPECT_EQ(Run("ALTER TABLE app.by_root ADD COLUMN a INT", Role::kUser).code(),
            StatusCode::kPermissionDenied);
  EXPECT_OK(Run("ALTER TABLE app.by_root ADD COLUMN a INT", Role::kDba));
}

TEST_F(ExecutorTest, RestrictedSharedTablesBelongToTheirCreator) {
  using catalog::Role;
  ASSERT_OK(
      RunAs("CREATE SHARED TABLE app.r (id INT PRIMARY KEY) WITH (ACCESS_LEVEL = "
            "'RESTRICTED')",
            Role::kService, "u1"));
  // u1 is now a plain user (a demoted service): still the creator, so still allowed.
  EXPECT_OK(RunAs("INSERT INTO app.r VALUES (1)", Role::kUser, "u1"));
  EXPECT_OK(RunAs("SELECT * FROM app.r", Role::kUser, "u1"));
  EXPECT_EQ(RunAs("SELECT * FROM app.r", Role::kUser, "u2").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(RunAs("INSERT INTO app.r VALUES (2)", Role::kUser, "u2").code(),
            StatusCode::kPermissionDenied);
}

TEST_F(ExecutorTest, AContextWithoutAUserRunsNothing) {
  ExecutionContext nobody;  // the defaults: no user, role user
  testing::CollectingSink sink;
  EXPECT_EQ(executor_->Execute("SELECT 1", nobody, sink).code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(sink.results.empty());
}

TEST_F(ExecutorTest, RefusalsAreAuditedWithoutTheStatementText) {
  const Status refused = RunAs("CREATE NAMESPACE secret_plan_42", catalog::Role::kUser, "mallory");
  ASSERT_EQ(refused.code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(const auto entries, catalog_->ListAudit());
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.back().action, "PERMISSION_DENIED");
  EXPECT_EQ(entries.back().actor_user_id, "mallory");
  EXPECT_EQ(entries.back().target, "CREATE");
  EXPECT_EQ(entries.back().details, std::string(refused.message()));
  EXPECT_THAT(entries.back().details, ::testing::Not(HasSubstr("secret_plan_42")));
}

TEST_F(ExecutorTest, SystemTablesAreForDbaAndSystemOnly) {
  EXPECT_EQ(Run("SELECT * FROM system.users", catalog::Role::kUser).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Run("SELECT * FROM system.tables", catalog::Role::kService).code(),
            StatusCode::kPermissionDenied);
  // information_schema is every role's: it lists what its reader may read.
  EXPECT_OK(Run("SELECT * FROM information_schema.tables", catalog::Role::kService));
  EXPECT_EQ(Run("SELECT * FROM (SELECT * FROM system.users) u", catalog::Role::kUser).code(),
            StatusCode::kPermissionDenied);
  EXPECT_OK(Run("SELECT * FROM system.users", catalog::Role::kDba));
  EXPECT_OK(Run("SHOW TABLES", catalog::Role::kUser));  // SHOW/DESCRIBE: every role
}

TEST_F(ExecutorTest, DdlIsAuditedWithActorAndTarget) {
  ASSERT_OK(Run("CREATE TABLE app.t (id BIGINT PRIMARY KEY)", catalog::Role::kSystem));
  ASSERT_OK_AND_ASSIGN(const auto entries, catalog_->ListAudit());
  ASSERT_EQ(entries.size(), 2u);  // CREATE NAMESPACE (in SetUp) and CREATE TABLE
  EXPECT_EQ(entries[1].action, "CREATE");
  EXPECT_EQ(entries[1].target, "TABLE app.t");
  EXPECT_EQ(entries[1].actor_user_id, "root");
  EXPECT_FALSE(Run("CREATE TABLE app.t (id BIGINT PRIMARY KEY)", catalog::Role::kSystem).ok());
  ASSERT_OK_AND_ASSIGN(const auto after, catalog_->ListAudit());
  EXPECT_EQ(after.size(), 2u);  // a failed statement changes nothing, and is not audited as done
}

// The client hangs up (the network layer raises HttpRequest::client_gone) while a long
// INSERT … SELECT runs inside DuckDB: the statement stops soon after and writes nothing.
TEST_F(ExecutorTest, ClientHangUpStopsARunningStatementWithinTheWatchdogPeriod) {
  ASSERT_OK(
      Run("CREATE SHARED TABLE app.t (id BIGINT PRIMARY KEY, v TEXT)", catalog::Role::kSystem));
  auto gone = std::make_shared<std::atomic<bool>>(false);
  ExecutionContext context;
  context.role = catalog::Role::kSystem;
  context.user_id = UserId("root");
  context.client_gone = gone;
  std::atomic<bool> finished{false};
  testing::CollectingSink sink;
  std::future<Status> running = std::async(std::launch::async, [&] {
    Status status = executor_->Execute(
        "INSERT INTO app.t SELECT count(*), 'x' FROM range(10000000000000)", context, sink);
    finished = true;
    return status;
  });
  // The statement runs until told to stop (statement_timeout is 30 s here).
  EXPECT_EQ(running.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  const auto hung_up_at = std::chrono::steady_clock::now();
  *gone = true;
  ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - hung_up_at, std::chrono::milliseconds(1000));
  const Status status = running.get();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_THAT(std::string(status.message()), HasSubstr("client went away"));
  testing::CollectingSink count;
  ExecutionContext reader = context;
  reader.client_gone = nullptr;
  ASSERT_OK(executor_->Execute("SELECT count(*) FROM app.t", reader, count));
  EXPECT_EQ(count.last().rows.at(0).at(0).integer, 0);
}

}  // namespace
}  // namespace kalam::sql

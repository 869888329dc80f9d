#include "sql/executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
    executor_ = std::make_unique<SqlExecutor>(*catalog_, *engine_, *tables_, clock_, snowflake_);
    ASSERT_OK(Run("CREATE NAMESPACE app", catalog::Role::kSystem));
  }

  Status Run(const std::string& sql, catalog::Role role) {
    ExecutionContext context;
    context.role = role;
    context.user_id = UserId(role == catalog::Role::kSystem ? "root" : "u1");
    testing::CollectingSink sink;
    return executor_->Execute(sql, context, sink);
  }

  testing::TempDir dir_;
  SystemClock clock_;
  SnowflakeGenerator snowflake_{clock_, NodeId("n")};
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<engine::SystemTables> tables_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<SqlExecutor> executor_;
};

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
}

TEST_F(ExecutorTest, SystemTablesAreForDbaAndSystemOnly) {
  EXPECT_EQ(Run("SELECT * FROM system.users", catalog::Role::kUser).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Run("SELECT * FROM information_schema.tables", catalog::Role::kService).code(),
            StatusCode::kPermissionDenied);
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

}  // namespace
}  // namespace kalam::sql

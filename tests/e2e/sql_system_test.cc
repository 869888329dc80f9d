// System tables, information_schema, batches and restarts over HTTP against the real server.
#include <signal.h>

#include <atomic>
#include <thread>

#include "catalog/catalog.h"
#include "storage/kv_store.h"
#include "tests/e2e/sql_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

class SystemTablesTest : public SqlTest {};

TEST_F(SystemTablesTest, SystemTablesJoinFilterSortAndAggregate) {
  Ok("CREATE TABLE " + ns_ + ".a (id BIGINT PRIMARY KEY, x TEXT, y INT)");
  Ok("CREATE SHARED TABLE " + ns_ + ".b (id INT PRIMARY KEY)");
  const SqlReply joined =
      Ok("SELECT t.table_name, count(c.column_name) AS columns, max(n.table_count) AS in_namespace "
         "FROM system.tables t "
         "JOIN information_schema.columns c ON c.table_schema = t.namespace_id AND c.table_name = "
         "t.table_name "
         "JOIN system.namespaces n ON n.namespace_id = t.namespace_id "
         "WHERE t.namespace_id = '" +
         ns_ + "' GROUP BY t.table_name ORDER BY t.table_name DESC");
  ASSERT_EQ(joined.Rows().size(), 2u);
  EXPECT_EQ(joined.Rows().at(0).at(0), "b");
  EXPECT_EQ(joined.Rows().at(0).at(1), "1");  // count() is BIGINT: a string
  EXPECT_EQ(joined.Rows().at(1).at(1), "3");
  EXPECT_EQ(joined.Rows().at(1).at(2), 2);
  const auto& schema = joined.body.at("results").at(0).at("schema").as_array();
  EXPECT_EQ(schema.at(1).at("data_type"), "BIGINT");
}

TEST_F(SystemTablesTest, InformationSchemaListsOurTablesNotDuckDbInternals) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, body TEXT NOT NULL DEFAULT 'x')");
  const SqlReply tables =
      Ok("SELECT table_schema, table_name, table_type FROM "
         "information_schema.tables WHERE table_schema IN ('" +
         ns_ +
         "', 'system') "
         "ORDER BY table_schema, table_name");
  ASSERT_EQ(tables.Rows().size(), 8u + 1u);  // the 8 system tables, then our table
  EXPECT_EQ(tables.Rows().at(0).at(2), "SYSTEM");
  EXPECT_EQ(tables.Rows().at(8).at(1), "t");
  EXPECT_EQ(tables.Rows().at(8).at(2), "USER");
  const SqlReply columns =
      Ok("SELECT column_name, ordinal_position, data_type, is_nullable, "
         "column_default, is_primary_key FROM information_schema.columns "
         "WHERE table_schema = '" +
         ns_ + "' ORDER BY ordinal_position");
  ASSERT_EQ(columns.Rows().size(), 2u);
  EXPECT_EQ(columns.Rows().at(1).at(0), "body");
  EXPECT_EQ(columns.Rows().at(1).at(3), false);
  EXPECT_EQ(columns.Rows().at(1).at(4), "'x'");
  EXPECT_EQ(columns.Rows().at(0).at(5), true);
  EXPECT_TRUE(
      Ok("SELECT * FROM information_schema.tables WHERE table_name LIKE 'duckdb%'").Rows().empty());
}

TEST_F(SystemTablesTest, UsersStatsAndAuditLog) {
  const SqlReply users = Ok("SELECT user_id, role, password_hash, auth_type FROM system.users");
  ASSERT_FALSE(users.Rows().empty());
  EXPECT_EQ(users.Rows().at(0).at(0), "root");
  EXPECT_EQ(users.Rows().at(0).at(1), "system");
  const SqlReply stats = Ok("SELECT metric_name, metric_value FROM system.stats ORDER BY 1");
  std::set<std::string> metrics;
  for (const auto& row : stats.Rows())
    metrics.insert(std::string(row.at(0).as_string()));
  for (const char* metric : {"schema_cache_hit_rate", "schema_cache_size", "schema_cache_bytes",
                             "server_uptime_seconds", "system_schema_version", "node_id"}) {
    EXPECT_TRUE(metrics.contains(metric)) << metric;
  }
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY)");
  const SqlReply audit =
      Ok("SELECT action, target, actor_user_id, ip_address FROM system.audit_logs "
         "WHERE target LIKE '%" +
         ns_ + "%' ORDER BY audit_id");
  ASSERT_EQ(audit.Rows().size(), 2u);
  EXPECT_EQ(Text(audit.Rows().at(0).at(1)), "NAMESPACE " + ns_);
  EXPECT_EQ(audit.Rows().at(1).at(0), "CREATE");
  EXPECT_EQ(Text(audit.Rows().at(1).at(1)), "TABLE " + ns_ + ".t");
  EXPECT_EQ(audit.Rows().at(1).at(2), "root");
  EXPECT_EQ(audit.Rows().at(1).at(3), "127.0.0.1");
  const SqlReply local =
      Ok("SELECT base_directory FROM system.storages WHERE storage_id = 'local'");
  EXPECT_EQ(Text(local.Rows().at(0).at(0)), (server_->data_dir() / "storage").string());
  EXPECT_TRUE(Ok("SELECT * FROM system.jobs").Rows().empty());
  EXPECT_TRUE(Ok("SELECT * FROM system.live_queries").Rows().empty());
}

TEST_F(SystemTablesTest, QueriesCannotReachFilesOrUnknownTables) {
  EXPECT_THAT(Fails("SELECT * FROM read_csv('/etc/passwd')", 403), HasSubstr("is not allowed"));
  EXPECT_THAT(Fails("SELECT * FROM system.nope"), HasSubstr("Table system.nope not found"));
  EXPECT_THAT(Fails("SELECT * FROM duckdb_tables()", 403), HasSubstr("is not allowed"));
  EXPECT_THAT(Fails("SELECT * FROM " + ns_ + ".missing"), HasSubstr("not found"));
  EXPECT_EQ(Ok("SELECT sum(range) AS s FROM range(10)").Rows().at(0).at(0), "45");
}

TEST_F(SystemTablesTest, BatchesRunInOrderAndStopAtTheFirstError) {
  const SqlReply batch = Ok("USE " + ns_ +
                            "; CREATE TABLE t1 (id INT PRIMARY KEY); "
                            "CREATE TABLE t2 (id INT PRIMARY KEY); SHOW TABLES IN " +
                            ns_);
  ASSERT_EQ(batch.body.at("results").as_array().size(), 4u);
  EXPECT_EQ(batch.Message(0), "Using namespace '" + ns_ + "'");
  EXPECT_EQ(batch.Message(1), "User table " + ns_ + ".t1 created successfully");
  EXPECT_EQ(batch.Rows(3).size(), 2u);
  Result<SqlReply> failed = PostSql(*client_, "CREATE TABLE " + ns_ +
                                                  ".t3 (id INT PRIMARY KEY); "
                                                  "CREATE TABLE " +
                                                  ns_ +
                                                  ".t1 (id INT PRIMARY KEY); "
                                                  "CREATE TABLE " +
                                                  ns_ + ".t4 (id INT PRIMARY KEY)");
  ASSERT_OK(failed);
  EXPECT_EQ(failed->http_status, 409);
  EXPECT_EQ(failed->ErrorMessage(), "Statement 2 failed: Table " + ns_ + ".t1 already exists");
  EXPECT_EQ(Text(failed->body.at("error").at("details")),
            "CREATE TABLE " + ns_ + ".t1 (id INT PRIMARY KEY)");
  // Statement 1 committed: its result is reported with the error.
  ASSERT_EQ(failed->body.at("results").as_array().size(), 1u);
  EXPECT_EQ(failed->Message(0), "User table " + ns_ + ".t3 created successfully");
  EXPECT_EQ(Ok("SHOW TABLES IN " + ns_).Rows().size(), 3u);  // t3 ran; t4 did not
}

TEST_F(SystemTablesTest, RequestErrorsHaveClearCodes) {
  Result<client::HttpResult> bad_json = client_->Post("/v1/api/sql", "{not json");
  ASSERT_OK(bad_json);
  EXPECT_EQ(bad_json->status, 400);
  EXPECT_THAT(bad_json->body, HasSubstr("INVALID_REQUEST"));
  Result<SqlReply> empty = PostSql(*client_, "  ;  ");
  ASSERT_OK(empty);
  EXPECT_EQ(empty->ErrorCode(), "EMPTY_SQL");
  boost::json::object with_params;
  with_params["params"] = boost::json::array{1};
  Result<SqlReply> batch_params = PostSql(*client_, "SELECT 1; SELECT 2", with_params);
  ASSERT_OK(batch_params);
  EXPECT_EQ(batch_params->ErrorCode(), "PARAMS_WITH_BATCH");
  Result<SqlReply> syntax = PostSql(*client_, "CREATE TABLE (a INT)");
  ASSERT_OK(syntax);
  EXPECT_EQ(syntax->http_status, 400);
  EXPECT_EQ(syntax->ErrorMessage(),
            "Statement 1 failed: syntax error at position 14: expected a table name, found '('");
  boost::json::object in_namespace;
  in_namespace["namespace_id"] = ns_;
  Ok("CREATE TABLE scoped (id INT PRIMARY KEY)");  // default namespace
  Result<SqlReply> scoped = PostSql(*client_, "DESCRIBE TABLE scoped", in_namespace);
  ASSERT_OK(scoped);
  EXPECT_EQ(scoped->http_status, 400);  // exists in 'default', not in ns_
  Ok("DROP TABLE default.scoped");
}

// ---- restarts and on-disk versions: each test owns its server ----

std::unique_ptr<TestServer> StartOn(const std::filesystem::path& data_dir) {
  Result<std::unique_ptr<TestServer>> server = TestServer::Start({.data_dir = data_dir});
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

Result<SqlReply> RunSql(TestServer& server, const std::string& sql) {
  client::HttpClient client = server.Client();
  return PostSql(client, sql);
}

// Every hot row and primary-key entry on disk, across the row partitions.
size_t StoredEntries(const std::filesystem::path& data_dir, storage::Partition partition) {
  auto kv = storage::OpenRocksKvStore((data_dir / "rocksdb").string(), {});
  EXPECT_TRUE(kv.ok()) << kv.status().ToString();
  if (!kv.ok()) return 0;
  size_t count = 0;
  EXPECT_OK(
      (*kv)->Scan(partition, storage::KeyRange::All(), [&](std::string_view, std::string_view) {
        ++count;
        return true;
      }));
  (*kv)->Stop();
  return count;
}

// DROP TABLE commits at the same point as writes: an INSERT that resolved the table before
// the drop and commits after it fails instead of leaving rows under the dropped table's id.
TEST(DropTableRaceTest, DropDuringAWriteBurstLeavesNoRowsBehind) {
  testing::TempDir dir;
  {
    // Root runs the writers and the DROP: its share of the workers must not refuse them.
    Result<std::unique_ptr<TestServer>> started =
        TestServer::Start({.env = {{"KALAMDB_LIMITS_MAX_CONCURRENT_STATEMENTS_PER_USER", "64"}},
                           .data_dir = dir.path()});
    ASSERT_OK(started);
    const std::unique_ptr<TestServer> server = std::move(started).value();
    ASSERT_OK(RunSql(*server,
                     "CREATE NAMESPACE app; CREATE TABLE app.keep (id BIGINT PRIMARY "
                     "KEY); CREATE TABLE app.burst (id BIGINT PRIMARY KEY, body TEXT)"));
    std::string keep = "INSERT INTO app.keep (id) VALUES (0)";
    for (int i = 1; i < 10; ++i)
      keep += ", (" + std::to_string(i) + ")";
    ASSERT_OK(RunSql(*server, keep));
    std::atomic<int> committed{0};
    std::atomic<int> refused{0};
    std::vector<std::jthread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        client::HttpClient client = server->Client();
        for (int statement = 0; statement < 400; ++statement) {
          std::string sql = "INSERT INTO app.burst (id, body) VALUES ";
          for (int r = 0; r < 1000; ++r) {
            const int64_t id = (int64_t{w} * 1000 + statement) * 10000 + r;
            sql += (r ? ", (" : "(") + std::to_string(id) + ", 'payload')";
          }
          Result<SqlReply> reply = PostSql(client, sql);
          if (!reply.ok() || !reply->ok()) {
            EXPECT_TRUE(reply.ok() && reply->ErrorCode() == "TABLE_NOT_FOUND")
                << (reply.ok() ? boost::json::serialize(reply->body) : reply.status().ToString());
            ++refused;
            return;
          }
          ++committed;
        }
      });
    }
    // Drop once the burst is under way; a writer that failed early ends the wait too, and
    // the wait has a deadline, so a broken server fails the test instead of hanging it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (committed < 6 && refused == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_GE(committed.load(), 6) << "the write burst did not get going";
    Result<SqlReply> dropped = RunSql(*server, "DROP TABLE app.burst");
    ASSERT_OK(dropped);
    EXPECT_TRUE(dropped->ok()) << boost::json::serialize(dropped->body);
    writers.clear();
    EXPECT_EQ(refused.load(), 3);  // every writer was still writing when the table went
  }
  // Only app.keep's ten rows and index entries are left on disk.
  EXPECT_EQ(StoredEntries(dir.path(), storage::Partition::kUserRows), 10u);
  EXPECT_EQ(StoredEntries(dir.path(), storage::Partition::kPrimaryKey), 10u);
}

void WriteVersionMarker(const std::filesystem::path& data_dir, uint64_t version) {
  ASSERT_OK_AND_ASSIGN(auto kv, storage::OpenRocksKvStore((data_dir / "rocksdb").string(), {}));
  ASSERT_OK(catalog::WriteSystemSchemaVersion(*kv, version));
  kv->Stop();
}

TEST(CatalogRestartTest, EverythingSurvivesARestart) {
  testing::TempDir dir;
  {
    auto server = StartOn(dir.path());
    ASSERT_NE(server, nullptr);
    for (const char* sql :
         {"CREATE NAMESPACE app", "CREATE TABLE app.t (id BIGINT PRIMARY KEY, a TEXT)",
          "ALTER TABLE app.t ADD COLUMN b INT", "ALTER TABLE app.t DROP COLUMN a",
          "CREATE VIEW app.v AS SELECT table_name FROM system.tables",
          "CREATE STORAGE arch TYPE 'filesystem' BASE_DIRECTORY '/tmp/arch'"}) {
      ASSERT_OK_AND_ASSIGN(const SqlReply reply, RunSql(*server, sql));
      ASSERT_EQ(reply.http_status, 200) << sql << boost::json::serialize(reply.body);
    }
    ASSERT_OK_AND_ASSIGN(const int code, server->SignalAndWait(SIGTERM));
    ASSERT_EQ(code, 0);
  }
  auto server = StartOn(dir.path());
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(const SqlReply history, RunSql(*server, "DESCRIBE TABLE app.t HISTORY"));
  ASSERT_EQ(history.Rows().size(), 3u);
  EXPECT_EQ(history.Rows().at(2).at(3), "id BIGINT, b INT");
  ASSERT_OK_AND_ASSIGN(const SqlReply view,
                       RunSql(*server, "SELECT * FROM app.v WHERE table_name = 't'"));
  EXPECT_EQ(view.Rows().size(), 1u);
  ASSERT_OK_AND_ASSIGN(const SqlReply storages,
                       RunSql(*server, "SELECT storage_id FROM system.storages ORDER BY 1"));
  EXPECT_EQ(storages.Rows().size(), 2u);  // arch and local
  ASSERT_OK_AND_ASSIGN(const SqlReply audit,
                       RunSql(*server, "SELECT count(*) FROM system.audit_logs"));
  EXPECT_EQ(audit.Rows().at(0).at(0), "6");
}

TEST(CatalogRestartTest, NewerSystemSchemaVersionIsRefusedAtStart) {
  testing::TempDir dir;
  {
    auto server = StartOn(dir.path());
    ASSERT_NE(server, nullptr);
    ASSERT_OK(server->SignalAndWait(SIGTERM));
  }
  WriteVersionMarker(dir.path(), 99);
  ASSERT_OK_AND_ASSIGN(const ProcessOutcome outcome,
                       RunServerToExit({"--data-dir", dir.str(), "--port", "0"}));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.output, HasSubstr("kalamdb-server: error: this data directory was written by "
                                        "a newer KalamDB (system schema version 99)"));
}

TEST(CatalogRestartTest, OlderSystemSchemaVersionIsUpgradedAtStart) {
  testing::TempDir dir;
  {
    auto server = StartOn(dir.path());
    ASSERT_NE(server, nullptr);
    ASSERT_OK(RunSql(*server, "CREATE NAMESPACE kept"));
    ASSERT_OK(server->SignalAndWait(SIGTERM));
  }
  WriteVersionMarker(dir.path(), 0);
  auto server = StartOn(dir.path());
  ASSERT_NE(server, nullptr);
  EXPECT_THAT(server->Log(), HasSubstr("upgraded system schema from=0 to=1"));
  ASSERT_OK_AND_ASSIGN(const SqlReply reply,
                       RunSql(*server,
                              "SELECT metric_value FROM system.stats WHERE metric_name = "
                              "'system_schema_version'"));
  EXPECT_EQ(reply.Rows().at(0).at(0), "1");
  ASSERT_OK_AND_ASSIGN(
      const SqlReply kept,
      RunSql(*server, "SELECT * FROM system.namespaces WHERE namespace_id = 'kept'"));
  EXPECT_EQ(kept.Rows().size(), 1u);
}

}  // namespace
}  // namespace kalam::e2e

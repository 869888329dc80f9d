// Background jobs against the real server: the scheduled job_cleanup, system.jobs, jobs.log,
// KILL JOB and its refusals, and the jobs surviving a restart.
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

TestServerOptions JobServer(const std::filesystem::path& data_dir) {
  return {.env = WithCheapPasswordHashes({{"KALAMDB_JOBS_CLEANUP_INTERVAL_SECONDS", "1"}}),
          .data_dir = data_dir};
}

// The rows of `sql`, waiting (up to 15 s) until there is at least one.
json::array WaitForRows(client::HttpClient& http, const std::string& sql) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < until) {
    Result<SqlReply> reply = PostSql(http, sql);
    if (reply.ok() && reply->http_status == 200 && !reply->Rows().empty()) return reply->Rows();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "no rows for " << sql;
  return {};
}

TEST(JobsTest, ScheduledCleanupRunsAndIsListedLoggedAndKept) {
  testing::TempDir dir;
  Result<std::unique_ptr<TestServer>> server = TestServer::Start(JobServer(dir.path() / "data"));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  client::HttpClient root = (*server)->Client();
  const json::array rows = WaitForRows(
      root,
      "SELECT job_id, job_type, status, message, parameters, idempotency_key, retry_count, "
      "max_retries, node_id, created_at, started_at, completed_at FROM system.jobs "
      "WHERE job_type = 'job_cleanup' AND status = 'completed' ORDER BY created_at LIMIT 1");
  ASSERT_FALSE(rows.empty());
  const json::array& job = rows[0].as_array();
  const std::string id(job[0].as_string());
  EXPECT_THAT(id, ::testing::MatchesRegex("JC-[0-9a-f]{12}"));
  EXPECT_EQ(Text(job[3]), "deleted 0 finished jobs older than 30 days");
  EXPECT_EQ(job[4].at("retention_days").as_int64(), 30);  // parameters as a JSON object
  EXPECT_EQ(Text(job[5]), "job_cleanup");                 // a schedule's key: never two at once
  EXPECT_EQ(job[7].as_int64(), 3);
  EXPECT_FALSE(job[10].is_null());
  EXPECT_FALSE(job[11].is_null());

  // jobs.log: one line per transition, found by the id.
  std::ifstream log(dir.path() / "data" / "logs" / "jobs.log");
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) {
    if (line.find(id) != std::string::npos) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr(id + " job_cleanup queued"));
  EXPECT_THAT(lines[2], HasSubstr(id + " job_cleanup completed"));

  // KILL JOB: dba/system only; a finished or unknown job is refused.
  Result<SqlReply> finished = PostSql(root, "KILL JOB '" + id + "'");
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(finished->http_status, 400);
  EXPECT_THAT(finished->ErrorMessage(), HasSubstr("already completed"));
  Result<SqlReply> unknown = PostSql(root, "KILL JOB 'FL-000000000000'");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->ErrorCode(), "NOT_FOUND");
  Result<SqlReply> created =
      PostSql(root, "CREATE USER eve WITH PASSWORD 'eve-secret-1' ROLE user");
  ASSERT_TRUE(created.ok() && created->http_status == 200);
  client::HttpClient eve = (*server)->AnonymousClient();
  eve.SetDefaultHeaders({{"Authorization", BasicAuthorization("eve", "eve-secret-1")}});
  Result<SqlReply> refused = PostSql(eve, "KILL JOB '" + id + "'");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->http_status, 403);
  Result<SqlReply> malformed = PostSql(root, "KILL JOB");
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->ErrorCode(), "SYNTAX_ERROR");

  // The record outlives the process.
  server->reset();
  Result<std::unique_ptr<TestServer>> again = TestServer::Start(JobServer(dir.path() / "data"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  client::HttpClient after = (*again)->Client();
  const json::array kept =
      WaitForRows(after, "SELECT status, message FROM system.jobs WHERE job_id = '" + id + "'");
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(Text(kept[0].as_array()[0]), "completed");
}

TEST(JobsTest, StreamEvictionDeletesExpiredEventsOnASchedule) {
  Result<std::unique_ptr<TestServer>> server = TestServer::Start(
      {.env = WithCheapPasswordHashes({{"KALAMDB_STREAM_EVICTION_INTERVAL_MS", "200"}})});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  client::HttpClient root = (*server)->Client();
  for (const char* sql :
       {"CREATE NAMESPACE app",
        "CREATE TABLE app.pings (kind TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 1)",
        "INSERT INTO app.pings VALUES ('a'), ('b'), ('c')"}) {
    Result<SqlReply> reply = PostSql(root, sql);
    ASSERT_TRUE(reply.ok() && reply->http_status == 200) << sql;
  }
  // Once they are past the TTL, a scheduled job deletes the three events for good.
  const json::array evicted = WaitForRows(
      root,
      "SELECT job_id, message FROM system.jobs WHERE job_type = 'stream_eviction' AND status = "
      "'completed' AND message LIKE 'evicted 3 %'");
  ASSERT_FALSE(evicted.empty());
  EXPECT_THAT(Text(evicted[0].as_array()[0]), ::testing::StartsWith("SE-"));
  EXPECT_EQ(Text(evicted[0].as_array()[1]), "evicted 3 expired events from 1 stream tables");
  Result<SqlReply> fresh = PostSql(root, "INSERT INTO app.pings VALUES ('d')");
  ASSERT_TRUE(fresh.ok() && fresh->http_status == 200);
  Result<SqlReply> read = PostSql(root, "SELECT kind FROM app.pings");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->Rows().size(), 1u);
  EXPECT_EQ(Text(read->Rows()[0].as_array()[0]), "d");
}

TEST(JobsTest, ADroppedUsersDataIsDeletedAfterTheGracePeriod) {
  Result<std::unique_ptr<TestServer>> server = TestServer::Start(
      {.env = WithCheapPasswordHashes({{"KALAMDB_JOBS_CLEANUP_INTERVAL_SECONDS", "1"},
                                       {"KALAMDB_USERS_DELETION_GRACE_PERIOD_DAYS", "0"}})});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  client::HttpClient root = (*server)->Client();
  const auto ok = [](client::HttpClient& http, const std::string& sql) {
    Result<SqlReply> reply = PostSql(http, sql);
    EXPECT_TRUE(reply.ok() && reply->http_status == 200)
        << sql << ": " << (reply.ok() ? json::serialize(reply->body) : reply.status().ToString());
    return reply.ok() ? *reply : SqlReply{};
  };
  ok(root, "CREATE NAMESPACE app");
  ok(root, "CREATE TABLE app.notes (id INT PRIMARY KEY, body TEXT)");
  ok(root, "CREATE TABLE app.pings (kind TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 3600)");
  const auto as = [&](const std::string& user) {
    ok(root, "CREATE USER " + user + " WITH PASSWORD '" + user + "-secret-1' ROLE user");
    client::HttpClient http = (*server)->AnonymousClient();
    http.SetDefaultHeaders({{"Authorization", BasicAuthorization(user, user + "-secret-1")}});
    ok(http, "INSERT INTO app.notes VALUES (1, '" + user + "')");
    ok(http, "INSERT INTO app.pings VALUES ('" + user + "')");
    return http;
  };
  client::HttpClient alice = as("alice");
  as("bob");
  const std::string bob_id = Text(
      ok(root, "SELECT user_id FROM system.users WHERE username = 'bob'").Rows()[0].as_array()[0]);
  ok(root, "DROP USER bob");
  const json::array cleaned = WaitForRows(
      root,
      "SELECT job_id, message FROM system.jobs WHERE job_type = 'user_cleanup' AND status = "
      "'completed' AND message LIKE 'deleted the data of 1 %'");
  ASSERT_FALSE(cleaned.empty());
  EXPECT_EQ(Text(cleaned[0].as_array()[1]), "deleted the data of 1 dropped users from 2 tables");
  EXPECT_TRUE(
      ok(root, "SELECT * FROM system.users WHERE user_id = '" + bob_id + "'").Rows().empty());
  // alice keeps everything.
  EXPECT_EQ(ok(alice, "SELECT body FROM app.notes").Rows().size(), 1u);
  EXPECT_EQ(ok(alice, "SELECT kind FROM app.pings").Rows().size(), 1u);
}

}  // namespace
}  // namespace kalam::e2e

// Request intake under attack: huge bodies, unauthenticated floods and odd parameters get a
// clear refusal and cost the server memory and disk proportional to its limits only.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/sql_client.h"
#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<TestServer> StartServer(EnvVars env = {}) {
  Result<std::unique_ptr<TestServer>> started =
      TestServer::Start({.env = WithCheapPasswordHashes(std::move(env))});
  EXPECT_TRUE(started.ok()) << started.status().ToString();
  return started.ok() ? std::move(started).value() : nullptr;
}

std::string ErrorCodeOf(const client::HttpResult& reply) {
  boost::system::error_code error;
  const boost::json::value body = boost::json::parse(reply.body, error);
  if (error || !body.is_object() || !body.as_object().contains("error")) return "";
  return Text(body.at("error").at("code"));
}

int64_t DirectoryBytes(const std::filesystem::path& dir) {
  int64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += static_cast<int64_t>(entry.file_size());
  }
  return total;
}

TEST(RequestIntakeTest, HugeParamsBodiesAreRefusedWithoutGrowingMemory) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  // Just under the 10 MiB body limit: five million parameters.
  std::string body = R"({"sql":"SELECT 1","params":[0)";
  while (body.size() < 10'000'000)
    body += ",0";
  body += "]}";
  const int64_t before = ResidentMib(server->pid());
  for (int round = 0; round < 3; ++round) {
    client::HttpClient anonymous = server->AnonymousClient();
    ASSERT_OK_AND_ASSIGN(const client::HttpResult refused, anonymous.Post("/v1/api/sql", body));
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_EQ(ErrorCodeOf(refused), "MISSING_AUTHORIZATION");
    client::HttpClient root = server->Client();
    ASSERT_OK_AND_ASSIGN(const client::HttpResult too_many, root.Post("/v1/api/sql", body));
    EXPECT_EQ(too_many.status, 400) << too_many.body;
    EXPECT_EQ(ErrorCodeOf(too_many), "INVALID_PARAMETER");
    EXPECT_THAT(too_many.body, HasSubstr("too many parameters"));
  }
  const int64_t growth = ResidentMib(server->pid()) - before;
  std::cout << "RSS grew by " << growth << " MiB over six 10 MB bodies\n";
  EXPECT_LT(growth, 100 * kMemoryBoundScale);
  client::HttpClient root = server->Client();
  ASSERT_OK_AND_ASSIGN(SqlReply alive, PostSql(root, "SELECT 1"));
  EXPECT_TRUE(alive.ok());
}

TEST(RequestIntakeTest, AnUnauthenticatedBodyIsNeverInterpreted) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  client::HttpClient anonymous = server->AnonymousClient();
  // Bad JSON, bad shapes and mixed arrays all get 401 first: nothing reads them.
  for (const char* body :
       {"not json", R"({"sql":1})", R"({"sql":"SELECT $1","params":[[1,"a"]]})"}) {
    ASSERT_OK_AND_ASSIGN(const client::HttpResult reply, anonymous.Post("/v1/api/sql", body));
    EXPECT_EQ(reply.status, 401) << body << ": " << reply.body;
  }
}

TEST(RequestIntakeTest, ArrayParametersMustHaveElementsOfOneKind) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  client::HttpClient root = server->Client();
  for (const char* params : {R"([["a", 1]])", R"([1, [true, "x"]])", R"([[[1], ["x"]]])"}) {
    ASSERT_OK_AND_ASSIGN(SqlReply reply,
                         PostSql(root, "SELECT $1", {{"params", boost::json::parse(params)}}));
    EXPECT_EQ(reply.http_status, 400) << params;
    EXPECT_EQ(reply.ErrorCode(), "INVALID_PARAMETER") << params;
    EXPECT_THAT(reply.ErrorMessage(), HasSubstr("array elements must all be of one kind"));
    EXPECT_THAT(reply.ErrorMessage(), HasSubstr("parameter $"));
  }
  ASSERT_OK_AND_ASSIGN(SqlReply alive, PostSql(root, "SELECT 1"));
  EXPECT_TRUE(alive.ok());
}

client::HttpResult Login(const TestServer& server, const std::string& user,
                         const std::string& password) {
  client::HttpClient client = server.AnonymousClient();
  const std::string body =
      boost::json::serialize(boost::json::object{{"user", user}, {"password", password}});
  Result<client::HttpResult> reply = client.Post("/v1/api/auth/login", body);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? *reply : client::HttpResult{};
}

TEST(RequestIntakeTest, AFloodOfHugeLoginNamesLeavesTheAuditLogAndDiskSmall) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  const int64_t disk_before = DirectoryBytes(server->data_dir());
  const std::string huge(9 << 20, 'u');
  for (int i = 0; i < 20; ++i) {
    const client::HttpResult reply = Login(*server, huge, "whatever-1");
    EXPECT_EQ(reply.status, 400) << reply.body.substr(0, 200);
    EXPECT_EQ(ErrorCodeOf(reply), "INVALID_REQUEST");
  }
  // The Basic path takes its name from the header and obeys the same rule.
  client::HttpClient basic = server->AnonymousClient();
  basic.SetDefaultHeaders({{"Authorization", BasicAuthorization(std::string(2000, 'b'), "pw")}});
  ASSERT_OK_AND_ASSIGN(SqlReply long_basic, PostSql(basic, "SELECT 1"));
  EXPECT_EQ(long_basic.http_status, 400);
  // A name at the limit is still an ordinary failed login, audited in full.
  EXPECT_EQ(Login(*server, std::string(64, 'n'), "whatever-1").status, 401);
  client::HttpClient root = server->Client();
  ASSERT_OK_AND_ASSIGN(SqlReply audit, PostSql(root,
                                               "SELECT count(*), max(length(actor_username)) FROM "
                                               "system.audit_logs WHERE action = 'LOGIN_FAILED'"));
  ASSERT_TRUE(audit.ok()) << boost::json::serialize(audit.body);
  EXPECT_EQ(boost::json::serialize(audit.Rows().at(0)), R"(["1","64"])");
  const int64_t disk_growth = DirectoryBytes(server->data_dir()) - disk_before;
  EXPECT_LT(disk_growth, 16 << 20) << "the data dir grew by " << (disk_growth >> 20) << " MiB";
}

TEST(RequestIntakeTest, AnAddressFailingWithManyNamesIsLockedOut) {
  std::unique_ptr<TestServer> server =
      StartServer({{"KALAMDB_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS", "5"}});
  ASSERT_NE(server, nullptr);
  client::HttpClient root = server->Client();
  ASSERT_OK_AND_ASSIGN(SqlReply created,
                       PostSql(root, "CREATE USER erin WITH PASSWORD 'erin-secret-1' ROLE user"));
  ASSERT_TRUE(created.ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login(*server, "guess" + std::to_string(i), "password-" + std::to_string(i)).status,
              401);
  }
  // Every name from this address is now throttled, a real one included, and on every path.
  const client::HttpResult locked = Login(*server, "guess-new", "password-x");
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(ErrorCodeOf(locked), "TOO_MANY_FAILED_LOGINS");
  EXPECT_EQ(Login(*server, "erin", "erin-secret-1").status, 429);
  client::HttpClient erin = server->AnonymousClient();
  erin.SetDefaultHeaders({{"Authorization", BasicAuthorization("erin", "erin-secret-1")}});
  ASSERT_OK_AND_ASSIGN(SqlReply basic, PostSql(erin, "SELECT 1"));
  EXPECT_EQ(basic.http_status, 429);
}

}  // namespace
}  // namespace kalam::e2e

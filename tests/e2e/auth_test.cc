// Authentication, users, isolation between real users, limits and audit over HTTP against
// the real server (authentication issue; the data-path issue's isolation scenario).
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "client/sql_client.h"
#include "common/base64.h"
#include "tests/e2e/test_server.h"
#include "tests/testing/test_util.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSecret(40, 'z');  // known, so tests can forge and tamper tokens

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<TestServer>> started =
        TestServer::Start({.env = WithCheapPasswordHashes({{"KALAMDB_JWT_SECRET", kSecret}})});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
    client::HttpClient root = server_->Client();
    for (const char* sql :
         {"CREATE USER alice WITH PASSWORD 'alice-secret-1' ROLE user",
          "CREATE USER 'bob' WITH PASSWORD 'bob-secret-1' ROLE user EMAIL 'bob@example.com'",
          "CREATE USER svc WITH PASSWORD 'svc-secret-1' ROLE service"}) {
      Result<SqlReply> reply = PostSql(root, sql);
      ASSERT_TRUE(reply.ok() && reply->ok()) << sql;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "server log:\n" << server_->Log();
  }

  client::HttpClient As(const std::string& authorization) {
    client::HttpClient client = server_->AnonymousClient();
    client.SetDefaultHeaders({{"Authorization", authorization}});
    return client;
  }
  SqlReply Sql(const std::string& authorization, const std::string& sql) {
    client::HttpClient client = As(authorization);
    Result<SqlReply> reply = PostSql(client, sql);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : SqlReply{};
  }
  boost::json::value Login(const std::string& user, const std::string& password,
                           int expected_status = 200) {
    client::HttpClient client = server_->AnonymousClient();
    boost::json::object body{{"user", user}, {"password", password}};
    Result<client::HttpResult> reply =
        client.Post("/v1/api/auth/login", boost::json::serialize(body));
    EXPECT_TRUE(reply.ok());
    if (!reply.ok()) return {};
    EXPECT_EQ(reply->status, expected_status) << reply->body;
    return boost::json::parse(reply->body);
  }
  std::string SignedToken(auth::TokenClaims claims) {
    return auth::JwtCodec(kSecret, "kalamdb", {}, 30).Sign(claims);
  }

  static inline TestServer* server_ = nullptr;
};

TEST_F(AuthTest, EveryAuthErrorHasItsCodeAndStatus) {
  const auto expect = [&](const std::string& authorization, int status, const std::string& code) {
    client::HttpClient client = server_->AnonymousClient();
    client::Headers headers;
    if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
    Result<client::HttpResult> reply = client.Post("/v1/api/sql", R"({"sql":"SELECT 1"})", headers);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, status) << authorization << " " << reply->body;
    EXPECT_EQ(Text(boost::json::parse(reply->body).at("error").at("code")), code) << reply->body;
  };
  const int64_t now = std::time(nullptr);
  expect("", 401, "MISSING_AUTHORIZATION");
  expect("Token abc", 400, "MALFORMED_AUTHORIZATION");
  expect("Basic %%%", 400, "MALFORMED_AUTHORIZATION");
  expect(BasicAuthorization("alice", "wrong-password"), 401, "INVALID_CREDENTIALS");
  expect(BasicAuthorization("nobody", "alice-secret-1"), 401, "INVALID_CREDENTIALS");
  expect("Bearer not-a-jwt", 401, "INVALID_TOKEN");
  expect("Bearer abc.def.ghi", 401, "INVALID_TOKEN");
  expect("Bearer " + SignedToken({.subject = "root",
                                  .issuer = "kalamdb",
                                  .role = "system",
                                  .issued_at = now - 7200,
                                  .expires_at = now - 3600}),
         401, "TOKEN_EXPIRED");
  expect("Bearer " +
             SignedToken(
                 {.subject = "root", .issuer = "evil", .issued_at = now, .expires_at = now + 60}),
         401, "UNTRUSTED_ISSUER");
  const std::string valid = SignedToken(
      {.subject = "root", .issuer = "kalamdb", .issued_at = now, .expires_at = now + 60});
  expect("Bearer " + valid.substr(0, valid.size() - 2) + "AA", 401, "INVALID_SIGNATURE");
  const std::string none_header = Base64Encode(R"({"alg":"none"})", Base64Alphabet::kUrlUnpadded);
  expect("Bearer " + none_header +
             valid.substr(valid.find('.'), valid.rfind('.') - valid.find('.')) + ".",
         401, "INVALID_SIGNATURE");
  expect("Bearer " + SignedToken({.issuer = "kalamdb", .expires_at = now + 60}), 401,
         "MISSING_CLAIM");
  // The same forged-but-valid token works: the checks above are about the token only.
  EXPECT_TRUE(Sql("Bearer " + valid, "SELECT 1").ok());
}

TEST_F(AuthTest, LoginRefreshLogout) {
  const boost::json::value login = Login("alice", "alice-secret-1");
  EXPECT_EQ(login.at("user").at("username"), "alice");
  EXPECT_EQ(login.at("user").at("role"), "user");
  EXPECT_EQ(login.at("admin_ui_access"), false);
  const std::string access(login.at("access_token").as_string());
  const std::string refresh(login.at("refresh_token").as_string());
  EXPECT_TRUE(Sql("Bearer " + access, "SELECT 1").ok());
  client::HttpClient me = As("Bearer " + access);
  ASSERT_OK_AND_ASSIGN(const client::HttpResult who, me.Get("/v1/api/auth/me"));
  EXPECT_EQ(boost::json::parse(who.body).at("username"), "alice");
  // A refresh token is not an access token.
  EXPECT_EQ(Sql("Bearer " + refresh, "SELECT 1").http_status, 401);
  client::HttpClient anonymous = server_->AnonymousClient();
  const std::string refresh_body =
      boost::json::serialize(boost::json::object{{"refresh_token", refresh}});
  ASSERT_OK_AND_ASSIGN(const client::HttpResult refreshed,
                       anonymous.Post("/v1/api/auth/refresh", refresh_body));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string new_access(boost::json::parse(refreshed.body).at("access_token").as_string());
  EXPECT_TRUE(Sql("Bearer " + new_access, "SELECT 1").ok());
  ASSERT_OK_AND_ASSIGN(const client::HttpResult logout,
                       anonymous.Post("/v1/api/auth/logout", refresh_body));
  EXPECT_EQ(logout.status, 200);
  ASSERT_OK_AND_ASSIGN(const client::HttpResult after,
                       anonymous.Post("/v1/api/auth/refresh", refresh_body));
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(boost::json::parse(after.body).at("error").at("code"), "INVALID_TOKEN");
  Login("alice", "wrong-one", 401);
}

// The data-path issue's isolation scenario with two real users.
TEST_F(AuthTest, RootAndAUserEachSeeOnlyTheirOwnRows) {
  const std::string root = "Basic cm9vdDo=";
  const std::string alice = BasicAuthorization("alice", "alice-secret-1");
  ASSERT_TRUE(Sql(root, "CREATE NAMESPACE iso").ok());
  ASSERT_TRUE(Sql(root, "CREATE TABLE iso.notes (id BIGINT PRIMARY KEY, n INT)").ok());
  ASSERT_TRUE(Sql(root, "INSERT INTO iso.notes VALUES (1, 10), (2, 20), (3, 30)").ok());
  ASSERT_TRUE(Sql(alice, "INSERT INTO iso.notes VALUES (1, 100), (4, 400)").ok());  // same key 1
  EXPECT_EQ(Sql(alice, "UPDATE iso.notes SET n = 101 WHERE id = 1").Message(), "Updated 1 row(s)");
  EXPECT_EQ(Sql(alice, "UPDATE iso.notes SET n = 0 WHERE id = 2").Message(), "Updated 0 row(s)");
  EXPECT_EQ(Sql(root, "DELETE FROM iso.notes WHERE n >= 30").Message(), "Deleted 1 row(s)");
  EXPECT_EQ(Sql(alice, "DELETE FROM iso.notes WHERE id = 3").Message(), "Deleted 0 row(s)");
  const SqlReply root_rows = Sql(root, "SELECT count(*), sum(n), max(id) FROM iso.notes");
  EXPECT_EQ(root_rows.Rows().at(0).at(0), "2");
  EXPECT_EQ(root_rows.Rows().at(0).at(1), "30");
  const SqlReply alice_rows = Sql(alice, "SELECT id, n FROM iso.notes ORDER BY id");
  ASSERT_EQ(alice_rows.Rows().size(), 2u);
  EXPECT_EQ(alice_rows.Rows().at(0).at(1), 101);
  EXPECT_EQ(alice_rows.Rows().at(1).at(0), "4");
  EXPECT_EQ(Sql(alice, "SELECT n FROM iso.notes WHERE id = 2").Rows().size(), 0u);  // fast path
  EXPECT_EQ(Sql(BasicAuthorization("bob", "bob-secret-1"), "SELECT * FROM iso.notes").Rows().size(),
            0u);
  // A user may not reach system tables or another scope's scan.
  EXPECT_EQ(Sql(alice, "SELECT * FROM system.users").http_status, 403);
  EXPECT_EQ(Sql(alice, "CREATE NAMESPACE nope").http_status, 403);
}

TEST_F(AuthTest, UserStatementsFollowTheRules) {
  const std::string root = "Basic cm9vdDo=";
  const std::string svc = BasicAuthorization("svc", "svc-secret-1");
  EXPECT_EQ(Sql(svc, "CREATE USER x WITH PASSWORD 'x-secret-1' ROLE user").http_status, 403);
  EXPECT_THAT(Sql(root, "CREATE USER weak WITH PASSWORD 'short' ROLE user").ErrorMessage(),
              HasSubstr("at least 8"));
  EXPECT_THAT(
      Sql(root, "CREATE USER alice WITH PASSWORD 'alice-secret-2' ROLE user").ErrorMessage(),
      HasSubstr("User 'alice' already exists"));
  EXPECT_THAT(Sql(root, "CREATE USER z WITH PASSWORD 'z-secret-11' ROLE wizard").ErrorMessage(),
              HasSubstr("Invalid role"));
  // Anyone may change their own password; not their role.
  ASSERT_TRUE(Sql(root, "CREATE USER carol WITH PASSWORD 'carol-secret-1' ROLE user").ok());
  const std::string carol = BasicAuthorization("carol", "carol-secret-1");
  EXPECT_EQ(Sql(carol, "ALTER USER carol SET ROLE dba").http_status, 403);
  EXPECT_TRUE(Sql(carol, "ALTER USER carol SET PASSWORD 'carol-secret-2'").ok());
  EXPECT_EQ(Sql(carol, "SELECT 1").http_status, 401);  // the old password is gone
  const std::string carol2 = BasicAuthorization("carol", "carol-secret-2");
  const boost::json::value login = Login("carol", "carol-secret-2");
  const std::string token(login.at("access_token").as_string());
  // system.users masks hashes.
  const SqlReply users = Sql(root, "SELECT * FROM system.users WHERE username = 'carol'");
  EXPECT_THAT(boost::json::serialize(users.body), Not(HasSubstr("argon2")));
  // Dropped: locked out at once, tokens issued before the drop included.
  EXPECT_EQ(Sql(root, "DROP USER carol").Message(), "User 'carol' dropped (soft delete)");
  EXPECT_EQ(Sql(carol2, "SELECT 1").http_status, 401);
  EXPECT_EQ(Sql("Bearer " + token, "SELECT 1").http_status, 401);
  EXPECT_EQ(Sql(root, "DROP USER IF EXISTS carol").Message(),
            "User 'carol' does not exist (skipped)");
}

TEST_F(AuthTest, LimitsAndAuditAndNoSecretsInLogs) {
  client::HttpClient root = server_->Client();
  boost::json::array params;
  for (int i = 0; i < 1001; ++i)
    params.push_back(i);
  Result<SqlReply> too_many = PostSql(root, "SELECT $1", {{"params", params}});
  ASSERT_TRUE(too_many.ok());
  EXPECT_EQ(too_many->http_status, 400);
  EXPECT_THAT(too_many->ErrorMessage(), HasSubstr("too many parameters"));
  Result<SqlReply> too_long = PostSql(root, "SELECT '" + std::string(1 << 20, 'x') + "'");
  ASSERT_TRUE(too_long.ok());
  EXPECT_EQ(too_long->http_status, 413);
  Login("bob", "bob-wrong-pass", 401);
  Login("bob", "bob-secret-1");
  // A wrong Basic password on any route is a failed login too.
  EXPECT_EQ(Sql(BasicAuthorization("alice", "alice-wrong-pass"), "SELECT 1").http_status, 401);
  const SqlReply audit = Sql("Basic cm9vdDo=",
                             "SELECT action, actor_username FROM system.audit_logs WHERE "
                             "action IN ('LOGIN', 'LOGIN_FAILED', 'CREATE') ORDER BY audit_id");
  const std::string text = boost::json::serialize(audit.body);
  EXPECT_THAT(text, HasSubstr(R"(["LOGIN_FAILED","bob"])"));
  EXPECT_THAT(text, HasSubstr(R"(["LOGIN","bob"])"));
  EXPECT_THAT(text, HasSubstr(R"(["LOGIN_FAILED","alice"])"));
  for (const std::string& secret : std::vector<std::string>{
           "bob-secret-1", "bob-wrong-pass", "alice-secret-1", "alice-wrong-pass", kSecret}) {
    EXPECT_THAT(text, Not(HasSubstr(secret)));
    EXPECT_THAT(server_->Log(), Not(HasSubstr(secret)));
  }
}

TEST_F(AuthTest, ImpersonationFollowsTheRolePairs) {
  const std::string root = "Basic cm9vdDo=";
  ASSERT_TRUE(Sql(root, "CREATE USER ops WITH PASSWORD 'ops-secret-1' ROLE dba").ok());
  ASSERT_TRUE(Sql(root, "CREATE USER svc2 WITH PASSWORD 'svc2-secret-1' ROLE service").ok());
  ASSERT_TRUE(Sql(root, "CREATE NAMESPACE pairs").ok());
  ASSERT_TRUE(Sql(root, "CREATE TABLE pairs.t (id BIGINT PRIMARY KEY)").ok());
  const std::map<std::string, std::string> actors = {
      {"user", BasicAuthorization("alice", "alice-secret-1")},
      {"service", BasicAuthorization("svc", "svc-secret-1")},
      {"dba", BasicAuthorization("ops", "ops-secret-1")},
      {"system", root}};
  const std::map<std::string, std::string> subjects = {
      {"user", "bob"}, {"service", "svc2"}, {"dba", "ops"}, {"system", "root"}};
  // Reference §7.5: system → any; dba → dba, service, user; service → service, user.
  const std::set<std::pair<std::string, std::string>> allowed = {
      {"system", "system"}, {"system", "dba"},      {"system", "service"},
      {"system", "user"},   {"dba", "dba"},         {"dba", "service"},
      {"dba", "user"},      {"service", "service"}, {"service", "user"}};
  for (const auto& [actor_role, authorization] : actors) {
    for (const auto& [subject_role, subject] : subjects) {
      const SqlReply reply =
          Sql(authorization, "SELECT count(*) FROM pairs.t AS USER '" + subject + "'");
      const bool expected = allowed.contains({actor_role, subject_role});
      EXPECT_EQ(reply.http_status, expected ? 200 : 403)
          << actor_role << " as " << subject_role << ": " << boost::json::serialize(reply.body);
      if (!expected) {
        EXPECT_EQ(reply.ErrorCode(), "PERMISSION_DENIED");
      }
    }
  }
  EXPECT_THAT(Sql(actors.at("user"), "SELECT 1 AS USER 'alice'").ErrorMessage(),
              HasSubstr("Role user is not authorized to use AS USER"));  // not even oneself
}

TEST_F(AuthTest, ImpersonatedStatementsRunInTheSubjectsScope) {
  const std::string root = "Basic cm9vdDo=";
  const std::string svc = BasicAuthorization("svc", "svc-secret-1");
  const std::string alice = BasicAuthorization("alice", "alice-secret-1");
  ASSERT_TRUE(Sql(root, "CREATE NAMESPACE imp").ok());
  ASSERT_TRUE(Sql(root, "CREATE TABLE imp.items (id BIGINT PRIMARY KEY, name TEXT)").ok());
  ASSERT_TRUE(Sql(root,
                  "CREATE SHARED TABLE imp.prices (id BIGINT PRIMARY KEY, p INT) "
                  "WITH (ACCESS_LEVEL = 'PUBLIC')")
                  .ok());
  const SqlReply ids = Sql(root, "SELECT user_id FROM system.users WHERE username = 'alice'");
  const std::string alice_id = Text(ids.Rows().at(0).at(0));
  ASSERT_FALSE(alice_id.empty());

  // Both forms, by user name and by user id; results say whose scope they ran in.
  const SqlReply inserted =
      Sql(svc, "INSERT INTO imp.items VALUES (1, 'from svc'), (2, 'two') AS USER 'alice'");
  ASSERT_TRUE(inserted.ok()) << boost::json::serialize(inserted.body);
  EXPECT_EQ(Text(inserted.body.at("results").at(0).at("as_user")), alice_id);
  EXPECT_EQ(Sql(svc, "EXECUTE AS USER '" + alice_id +
                         "' (UPDATE imp.items SET name = 'renamed' WHERE id = 1)")
                .Message(),
            "Updated 1 row(s)");
  EXPECT_EQ(
      Sql(svc, "EXECUTE AS USER 'alice' (DELETE FROM imp.items WHERE name = 'two')").Message(),
      "Deleted 1 row(s)");
  const SqlReply as_alice = Sql(svc, "EXECUTE AS USER 'alice' (SELECT id, name FROM imp.items)");
  ASSERT_EQ(as_alice.Rows().size(), 1u);
  EXPECT_EQ(Text(as_alice.body.at("results").at(0).at("as_user")), alice_id);

  // The rows are alice's: she sees them, bob and the service itself do not.
  const SqlReply mine = Sql(alice, "SELECT id, name FROM imp.items");
  ASSERT_EQ(mine.Rows().size(), 1u);
  EXPECT_EQ(Text(mine.Rows().at(0).at(1)), "renamed");
  EXPECT_FALSE(mine.body.at("results").at(0).as_object().contains("as_user"));
  EXPECT_EQ(Sql(BasicAuthorization("bob", "bob-secret-1"), "SELECT * FROM imp.items").Rows().size(),
            0u);
  EXPECT_EQ(Sql(svc, "SELECT * FROM imp.items").Rows().size(), 0u);

  // Refusals, each with a clear message, changing nothing.
  const auto refused = [&](const std::string& who, const std::string& sql, int status,
                           const std::string& message) {
    const SqlReply reply = Sql(who, sql);
    EXPECT_EQ(reply.http_status, status) << sql;
    EXPECT_THAT(reply.ErrorMessage(), HasSubstr(message)) << sql;
  };
  refused(alice, "INSERT INTO imp.items VALUES (9, 'x') AS USER 'bob'", 403,
          "Role user is not authorized to use AS USER");
  refused(svc, "INSERT INTO imp.prices VALUES (1, 5) AS USER 'alice'", 403,
          "not supported for SHARED tables");
  refused(svc, "SELECT * FROM imp.items i JOIN imp.prices p ON p.id = i.id AS USER 'alice'", 403,
          "not supported for SHARED tables");
  refused(svc, "EXECUTE AS USER 'alice' (CREATE NAMESPACE sneaky)", 400,
          "exactly one SELECT, INSERT, UPDATE or DELETE");
  refused(svc, "SELECT * FROM imp.items AS USER 'nobody'", 400, "User 'nobody' not found");
  refused(svc, "EXECUTE AS USER 'alice' (SELECT 1", 400, "expected ')'");
  ASSERT_TRUE(Sql(root, "CREATE USER gone WITH PASSWORD 'gone-secret-1' ROLE user").ok());
  ASSERT_TRUE(Sql(root, "DROP USER gone").ok());
  refused(svc, "SELECT * FROM imp.items AS USER 'gone'", 400, "User 'gone' not found");

  // An internal user (no password) never logs in, but services may act for it.
  ASSERT_TRUE(Sql(root, "CREATE USER worker WITH INTERNAL ROLE user").ok());
  EXPECT_EQ(Sql(BasicAuthorization("worker", ""), "SELECT 1").http_status, 401);
  EXPECT_TRUE(Sql(svc, "INSERT INTO imp.items VALUES (7, 'job') AS USER 'worker'").ok());
  EXPECT_EQ(Sql(svc, "SELECT name FROM imp.items AS USER 'worker'").Rows().size(), 1u);
  EXPECT_EQ(Sql(BasicAuthorization("bob", "bob-secret-1"), "SELECT * FROM imp.items").Rows().size(),
            0u);
  EXPECT_EQ(Sql(alice, "SELECT * FROM imp.items").Rows().size(), 1u);

  // The audit log names the actor and the subject of each impersonated write, and every
  // refusal, without the SQL text.
  const SqlReply audit = Sql(root,
                             "SELECT actor_username, action, target, details FROM "
                             "system.audit_logs WHERE target LIKE '%imp.items%' OR "
                             "action = 'PERMISSION_DENIED' ORDER BY audit_id");
  const std::string text = boost::json::serialize(audit.body);
  const std::string subject = "as_user=" + alice_id + " (alice)";
  EXPECT_THAT(text, HasSubstr(R"(["svc","INSERT","TABLE imp.items",")" + subject + R"("])"));
  EXPECT_THAT(text, HasSubstr(R"(["svc","UPDATE","TABLE imp.items",")" + subject + R"("])"));
  EXPECT_THAT(text, HasSubstr(R"(["svc","DELETE","TABLE imp.items",")" + subject + R"("])"));
  EXPECT_THAT(text, HasSubstr(R"(["alice","PERMISSION_DENIED","INSERT","Role user is not)"));
  EXPECT_THAT(text, HasSubstr(R"(["svc","PERMISSION_DENIED","SELECT","AS USER impersonation)"));
  EXPECT_THAT(text, Not(HasSubstr("VALUES")));
}

TEST(RateLimitTest, RequestsBeyondTheUserLimitGet429) {
  Result<std::unique_ptr<TestServer>> server =
      TestServer::Start({.env = {{"KALAMDB_LIMITS_QUERIES_PER_SECOND_PER_USER", "3"}}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  client::HttpClient client = (*server)->Client();
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    Result<SqlReply> reply = PostSql(client, "SELECT 1");
    ASSERT_TRUE(reply.ok());
    if (reply->http_status == 429) {
      ++limited;
      EXPECT_EQ(reply->ErrorCode(), "RATE_LIMIT_EXCEEDED");
    }
  }
  EXPECT_GE(limited, 4);  // at most 3 per second (and 6 across a second boundary) pass
}

}  // namespace
}  // namespace kalam::e2e

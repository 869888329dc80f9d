// Tokens die with their session: logout revokes the access token and its refresh token, a
// password or role change voids every token issued before it, and a token alone cannot
// change its user's password.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/sql_client.h"
#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

struct Tokens {
  std::string access;
  std::string refresh;
};

class TokenRevocationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<TestServer>> started =
        TestServer::Start({.env = WithCheapPasswordHashes()});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "server log:\n" << server_->Log();
  }

  static SqlReply Sql(const std::string& authorization, const std::string& sql) {
    client::HttpClient client = server_->AnonymousClient();
    client.SetDefaultHeaders({{"Authorization", authorization}});
    Result<SqlReply> reply = PostSql(client, sql);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : SqlReply{};
  }
  static SqlReply AsRoot(const std::string& sql) { return Sql("Basic cm9vdDo=", sql); }
  static void CreateUser(const std::string& name, const std::string& password) {
    ASSERT_TRUE(AsRoot("CREATE USER " + name + " WITH PASSWORD '" + password + "' ROLE user").ok());
  }
  static Tokens Login(const std::string& user, const std::string& password) {
    client::HttpClient client = server_->AnonymousClient();
    Result<client::HttpResult> reply = client.Post(
        "/v1/api/auth/login",
        boost::json::serialize(boost::json::object{{"user", user}, {"password", password}}));
    EXPECT_TRUE(reply.ok() && reply->status == 200) << (reply.ok() ? reply->body : "");
    if (!reply.ok() || reply->status != 200) return {};
    const boost::json::value body = boost::json::parse(reply->body);
    return {Text(body.at("access_token")), Text(body.at("refresh_token"))};
  }
  // POST /v1/api/auth/<route> with {"refresh_token": token}; returns the HTTP status.
  static int PostToken(const std::string& route, const std::string& token) {
    client::HttpClient client = server_->AnonymousClient();
    Result<client::HttpResult> reply =
        client.Post("/v1/api/auth/" + route,
                    boost::json::serialize(boost::json::object{{"refresh_token", token}}));
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? reply->status : 0;
  }

  static inline TestServer* server_ = nullptr;
};

TEST_F(TokenRevocationTest, LogoutRevokesTheAccessTokenAndItsRefreshToken) {
  CreateUser("lou", "lou-secret-1");
  const Tokens session = Login("lou", "lou-secret-1");
  const Tokens other = Login("lou", "lou-secret-1");
  ASSERT_TRUE(Sql("Bearer " + session.access, "SELECT 1").ok());
  ASSERT_EQ(PostToken("logout", session.refresh), 200);
  const SqlReply after = Sql("Bearer " + session.access, "SELECT 1");
  EXPECT_EQ(after.http_status, 401);
  EXPECT_EQ(after.ErrorCode(), "INVALID_TOKEN");
  EXPECT_EQ(PostToken("refresh", session.refresh), 401);
  // Another login of the same user is another session and keeps working.
  EXPECT_TRUE(Sql("Bearer " + other.access, "SELECT 1").ok());
  // Logging out with the access token ends its session too, refresh token included.
  client::HttpClient bearer = server_->AnonymousClient();
  bearer.SetDefaultHeaders({{"Authorization", "Bearer " + other.access}});
  ASSERT_OK_AND_ASSIGN(const client::HttpResult logout, bearer.Post("/v1/api/auth/logout", ""));
  EXPECT_EQ(logout.status, 200) << logout.body;
  EXPECT_EQ(Sql("Bearer " + other.access, "SELECT 1").http_status, 401);
  EXPECT_EQ(PostToken("refresh", other.refresh), 401);
}

TEST_F(TokenRevocationTest, ARefreshedTokenBelongsToTheSameSession) {
  CreateUser("rae", "rae-secret-1");
  const Tokens session = Login("rae", "rae-secret-1");
  client::HttpClient client = server_->AnonymousClient();
  ASSERT_OK_AND_ASSIGN(
      const client::HttpResult refreshed,
      client.Post("/v1/api/auth/refresh",
                  boost::json::serialize(boost::json::object{{"refresh_token", session.refresh}})));
  ASSERT_EQ(refreshed.status, 200);
  const std::string renewed = Text(boost::json::parse(refreshed.body).at("access_token"));
  ASSERT_TRUE(Sql("Bearer " + renewed, "SELECT 1").ok());
  ASSERT_EQ(PostToken("logout", session.refresh), 200);
  EXPECT_EQ(Sql("Bearer " + renewed, "SELECT 1").http_status, 401);
}

TEST_F(TokenRevocationTest, APasswordOrRoleChangeVoidsEarlierTokens) {
  CreateUser("carol", "carol-secret-1");
  const Tokens before = Login("carol", "carol-secret-1");
  ASSERT_TRUE(Sql("Bearer " + before.access, "SELECT 1").ok());
  ASSERT_TRUE(AsRoot("ALTER USER carol SET PASSWORD 'carol-secret-2'").ok());
  const SqlReply stale = Sql("Bearer " + before.access, "SELECT 1");
  EXPECT_EQ(stale.http_status, 401);
  EXPECT_THAT(stale.ErrorMessage(), HasSubstr("password or role changed"));
  EXPECT_EQ(PostToken("refresh", before.refresh), 401);
  const Tokens fresh = Login("carol", "carol-secret-2");
  EXPECT_TRUE(Sql("Bearer " + fresh.access, "SELECT 1").ok());
  // A role change does the same; an email change does not.
  ASSERT_TRUE(AsRoot("ALTER USER carol SET EMAIL 'carol@example.com'").ok());
  EXPECT_TRUE(Sql("Bearer " + fresh.access, "SELECT 1").ok());
  ASSERT_TRUE(AsRoot("ALTER USER carol SET ROLE service").ok());
  EXPECT_EQ(Sql("Bearer " + fresh.access, "SELECT 1").http_status, 401);
  EXPECT_EQ(PostToken("refresh", fresh.refresh), 401);
}

TEST_F(TokenRevocationTest, ChangingOnesOwnPasswordNeedsTheCurrentOne) {
  CreateUser("dave", "dave-secret-1");
  const Tokens stolen = Login("dave", "dave-secret-1");
  const SqlReply refused =
      Sql("Bearer " + stolen.access, "ALTER USER dave SET PASSWORD 'owned-1234'");
  EXPECT_EQ(refused.http_status, 403);
  EXPECT_EQ(refused.ErrorCode(), "PERMISSION_DENIED");
  EXPECT_THAT(refused.ErrorMessage(), HasSubstr("Basic credentials"));
  EXPECT_THAT(refused.ErrorMessage(), HasSubstr("/v1/api/auth/password"));
  // Nothing changed: the owner still gets in, the token still works.
  EXPECT_TRUE(Sql(BasicAuthorization("dave", "dave-secret-1"), "SELECT 1").ok());
  EXPECT_TRUE(Sql("Bearer " + stolen.access, "SELECT 1").ok());
  // With the current password (Basic) the change goes through and ends the old tokens.
  EXPECT_TRUE(Sql(BasicAuthorization("dave", "dave-secret-1"),
                  "ALTER USER dave SET PASSWORD 'dave-secret-2'")
                  .ok());
  EXPECT_EQ(Sql(BasicAuthorization("dave", "dave-secret-1"), "SELECT 1").http_status, 401);
  EXPECT_EQ(Sql("Bearer " + stolen.access, "SELECT 1").http_status, 401);
  // With a token, the password endpoint takes the current password as its proof.
  client::HttpClient token_client = server_->AnonymousClient();
  const Tokens current = Login("dave", "dave-secret-2");
  token_client.SetDefaultHeaders({{"Authorization", "Bearer " + current.access}});
  const auto change = [&](const std::string& old_password, const std::string& new_password) {
    Result<client::HttpResult> reply =
        token_client.Post("/v1/api/auth/password",
                          boost::json::serialize(boost::json::object{
                              {"current_password", old_password}, {"new_password", new_password}}));
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? reply->status : 0;
  };
  EXPECT_EQ(change("not-the-password", "owned-12345"), 401);
  EXPECT_EQ(change("dave-secret-2", "dave-secret-4"), 200);
  EXPECT_EQ(Sql("Bearer " + current.access, "SELECT 1").http_status, 401);
  EXPECT_TRUE(Sql(BasicAuthorization("dave", "dave-secret-4"), "SELECT 1").ok());
  // An admin changing another user's password with a token needs no more than before.
  const Tokens admin = Login("root", "");  // root without a password, from this machine
  EXPECT_TRUE(Sql("Bearer " + admin.access, "ALTER USER dave SET PASSWORD 'dave-secret-3'").ok());
  EXPECT_TRUE(Sql(BasicAuthorization("dave", "dave-secret-3"), "SELECT 1").ok());
}

}  // namespace
}  // namespace kalam::e2e

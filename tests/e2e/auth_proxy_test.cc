// Who counts as local and which address a request comes from, with and without
// [server] trusted_proxies: forged forwarding headers get no loopback privilege and do not
// dodge the failed-login lockout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/sql_client.h"
#include "common/base64.h"
#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<TestServer> StartServer(EnvVars env) {
  Result<std::unique_ptr<TestServer>> started =
      TestServer::Start({.env = WithCheapPasswordHashes(std::move(env))});
  EXPECT_TRUE(started.ok()) << started.status().ToString();
  return started.ok() ? std::move(started).value() : nullptr;
}

// POSTs `body` to `target` as root without a password, with `headers`.
client::HttpResult PostAsRoot(const TestServer& server, const std::string& target,
                              const std::string& body, const client::Headers& headers) {
  client::HttpClient root = server.Client();
  Result<client::HttpResult> reply = root.Post(target, body, headers);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? *reply : client::HttpResult{};
}

std::string ErrorCodeOf(const client::HttpResult& reply) {
  boost::system::error_code error;
  const boost::json::value body = boost::json::parse(reply.body, error);
  if (error || !body.is_object() || !body.as_object().contains("error")) return "";
  return Text(body.at("error").at("code"));
}

constexpr std::string_view kSetupBody =
    R"({"user":"admin","password":"admin-secret-1","root_password":"root-secret-1"})";

TEST(TrustedProxyTest, ForgedForwardedForGetsNoLoopbackPrivilege) {
  std::unique_ptr<TestServer> server =
      StartServer({{"KALAMDB_SERVER_TRUSTED_PROXIES", "127.0.0.1"}});
  ASSERT_NE(server, nullptr);
  for (const char* spoof :
       {"127.0.0.1, 203.0.113.9", "localhost, 203.0.113.9", "::1, 203.0.113.9", ", 203.0.113.9",
        "127.0.0.1", "localhost", "::1", "", "203.0.113.9, 127.0.0.1"}) {
    const client::Headers headers = {{"X-Forwarded-For", spoof}};
    const client::HttpResult sql =
        PostAsRoot(*server, "/v1/api/sql", R"({"sql":"SELECT 1"})", headers);
    EXPECT_EQ(sql.status, 403) << spoof << ": " << sql.body;
    EXPECT_EQ(ErrorCodeOf(sql), "REMOTE_ACCESS_DENIED") << spoof;
    const client::HttpResult setup =
        PostAsRoot(*server, "/v1/api/auth/setup", std::string(kSetupBody), headers);
    EXPECT_EQ(setup.status, 403) << spoof << ": " << setup.body;
    EXPECT_EQ(ErrorCodeOf(setup), "REMOTE_ACCESS_DENIED") << spoof;
  }
  // Nothing changed: setup is still to be done, and the real loopback peer is still root.
  client::HttpClient anonymous = server->AnonymousClient();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult status, anonymous.Get("/v1/api/auth/status"));
  EXPECT_EQ(boost::json::parse(status.body).at("needs_setup"), true);
  EXPECT_EQ(PostAsRoot(*server, "/v1/api/sql", R"({"sql":"SELECT 1"})", {}).status, 200);
}

TEST(TrustedProxyTest, WithoutTrustedProxiesAForwardedRequestIsNotLocal) {
  std::unique_ptr<TestServer> server = StartServer({});
  ASSERT_NE(server, nullptr);
  for (const auto& [name, value] : client::Headers{{"X-Forwarded-For", "127.0.0.1"},
                                                   {"X-Forwarded-For", "203.0.113.5"},
                                                   {"Forwarded", "for=127.0.0.1"},
                                                   {"X-Real-IP", "127.0.0.1"}}) {
    const client::Headers headers = {{name, value}};
    const client::HttpResult sql =
        PostAsRoot(*server, "/v1/api/sql", R"({"sql":"SELECT 1"})", headers);
    EXPECT_EQ(sql.status, 403) << name << ": " << value << " " << sql.body;
    EXPECT_EQ(ErrorCodeOf(sql), "REMOTE_ACCESS_DENIED") << name;
    EXPECT_EQ(PostAsRoot(*server, "/v1/api/auth/setup", std::string(kSetupBody), headers).status,
              403)
        << name;
  }
  EXPECT_EQ(PostAsRoot(*server, "/v1/api/sql", R"({"sql":"SELECT 1"})", {}).status, 200);
}

TEST(TrustedProxyTest, TheLockoutKeysOnTheAddressTheProxySaw) {
  std::unique_ptr<TestServer> server = StartServer(
      {{"KALAMDB_SERVER_TRUSTED_PROXIES", "127.0.0.1"}, {"KALAMDB_AUTH_MAX_FAILED_LOGINS", "2"}});
  ASSERT_NE(server, nullptr);
  ASSERT_EQ(PostAsRoot(*server, "/v1/api/sql",
                       R"({"sql":"CREATE USER dave WITH PASSWORD 'dave-secret-1' ROLE user"})", {})
                .status,
            200);
  const auto login = [&](const std::string& forwarded_for) {
    client::HttpClient client = server->AnonymousClient();
    Result<client::HttpResult> reply =
        client.Post("/v1/api/auth/login", R"({"user":"dave","password":"wrong-password"})",
                    {{"X-Forwarded-For", forwarded_for}});
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? reply->status : 0;
  };
  EXPECT_EQ(login("198.51.100.7"), 401);
  EXPECT_EQ(login("198.51.100.7"), 401);
  EXPECT_EQ(login("198.51.100.7"), 429);
  // A client cannot get a fresh counter by claiming another origin left of the real one.
  EXPECT_EQ(login("10.9.9.9, 198.51.100.7"), 429);
  EXPECT_EQ(login("garbage, 198.51.100.7"), 429);
  // Another client behind the same proxy is not locked out.
  EXPECT_EQ(login("198.51.100.8"), 401);
}

}  // namespace
}  // namespace kalam::e2e

// What a hostile or broken client can do to the network layer: trickle headers, hold
// connections, never read its response, hang up mid-statement. Each test starts its own
// server with the limit under test made small.
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/sql_client.h"
#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::unique_ptr<TestServer> StartServer(EnvVars env) {
  Result<std::unique_ptr<TestServer>> server = TestServer::Start({.env = std::move(env)});
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

std::string SqlRequest(const std::string& sql) {
  const std::string body = boost::json::serialize(boost::json::object{{"sql", sql}});
  return "POST /v1/api/sql HTTP/1.1\r\nHost: x\r\nAuthorization: Basic cm9vdDo=\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A connection that sends one header line every 100 ms never finishes its headers; the
// keep-alive idle timeout (75 s) must not be what ends it.
TEST(NetworkLimitsTest, TricklingHeadersAreCutOffAtTheHeaderDeadline) {
  auto server = StartServer({{"KALAMDB_LIMITS_HEADER_READ_TIMEOUT_MS", "500"}});
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(RawConnection connection, RawConnection::Open(server->port()));
  ASSERT_TRUE(connection.Send("POST /v1/api/sql HTTP/1.1\r\nHost: x\r\n"));
  const auto started = std::chrono::steady_clock::now();
  std::thread trickle([&connection] {
    for (int line = 0; line < 60 && connection.Send("X-Slow-" + std::to_string(line) + ": y\r\n");
         ++line) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the attack's pace
    }
  });
  Result<std::string> received = connection.ReadUntilClosed(std::chrono::seconds(20));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  trickle.join();
  ASSERT_TRUE(received.ok()) << received.status().ToString();
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // 0.5 s deadline; the idle timeout is 75 s
  EXPECT_THAT(*received, StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(*received, HasSubstr("REQUEST_TIMEOUT"));
}

// The wait for the first byte of a request is the idle timeout, not the header deadline:
// a keep-alive client may pause between requests.
TEST(NetworkLimitsTest, AnIdleKeepAliveConnectionOutlivesTheHeaderDeadline) {
  auto server = StartServer({{"KALAMDB_LIMITS_HEADER_READ_TIMEOUT_MS", "200"}});
  ASSERT_NE(server, nullptr);
  client::HttpClient client = server->Client();
  ASSERT_EQ(client.Get("/v1/api/healthcheck")->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // idle, longer than 200 ms
  ASSERT_OK_AND_ASSIGN(const client::HttpResult again, client.Get("/v1/api/healthcheck"));
  EXPECT_EQ(again.status, 200);
}

TEST(NetworkLimitsTest, ABodyThatNeverArrivesIsCutOffAtTheBodyDeadline) {
  auto server = StartServer({{"KALAMDB_LIMITS_BODY_READ_TIMEOUT_MS", "500"}});
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(RawConnection connection, RawConnection::Open(server->port()));
  ASSERT_TRUE(connection.Send(
      "POST /v1/api/sql HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"sql\":"));
  ASSERT_OK_AND_ASSIGN(const std::string received,
                       connection.ReadUntilClosed(std::chrono::seconds(5)));
  EXPECT_THAT(received, StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(received, HasSubstr("body did not arrive within 500 ms"));
}

// One address holding its share of connections does not lock out another client.
TEST(NetworkLimitsTest, OneAddressCannotHoldEveryConnection) {
  auto server = StartServer({{"KALAMDB_LIMITS_MAX_CONNECTIONS_PER_ADDRESS", "4"}});
  ASSERT_NE(server, nullptr);
  std::vector<RawConnection> held;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK_AND_ASSIGN(RawConnection connection,
                         RawConnection::Open(server->port(), "127.0.0.2"));
    held.push_back(std::move(connection));
  }
  // The slots are taken once the server has accepted them; retry until it has.
  std::string refused;
  for (int attempt = 0; attempt < 50 && !refused.starts_with("HTTP/1.1 503"); ++attempt) {
    ASSERT_OK_AND_ASSIGN(RawConnection fifth, RawConnection::Open(server->port(), "127.0.0.2"));
    fifth.Send("GET /v1/api/healthcheck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    Result<std::string> reply = fifth.ReadUntilClosed(std::chrono::seconds(5));
    refused = reply.ok() ? *reply : "";
    if (!refused.starts_with("HTTP/1.1 503")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(refused, HasSubstr("TOO_MANY_CONNECTIONS"));
  EXPECT_THAT(refused, HasSubstr("limit per client address"));
  // Another address (127.0.0.1, the test client) is still served.
  ASSERT_OK_AND_ASSIGN(const client::HttpResult other, server->Client().Get("/v1/api/healthcheck"));
  EXPECT_EQ(other.status, 200);
}

// A client that sends a query and never reads the (large) result holds a buffer, not the
// only worker: another client's query is answered meanwhile.
TEST(NetworkLimitsTest, AnUnreadResponseDoesNotHoldTheWorker) {
  auto server = StartServer({{"KALAMDB_ENGINE_QUERY_WORKERS", "1"},
                             {"KALAMDB_LIMITS_RESPONSE_BUFFER_BYTES", "268435456"},
                             {"KALAMDB_LIMITS_MAX_CONCURRENT_STATEMENTS_PER_USER", "4"}});
  ASSERT_NE(server, nullptr);
  // ~70 MB of JSON: far more than the socket buffers take, less than the response buffer.
  ASSERT_OK_AND_ASSIGN(RawConnection reader, RawConnection::Open(server->port()));
  ASSERT_TRUE(reader.Send(SqlRequest("SELECT range, 'some padding text' FROM range(2000000)")));
  ASSERT_EQ(reader.Read(1000, std::chrono::seconds(10)).size(), 1000u);  // it is being sent
  client::HttpClient client = server->Client(std::chrono::seconds(20));
  const auto started = std::chrono::steady_clock::now();
  Result<SqlReply> reply = PostSql(client, "SELECT 42 AS answer");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString() << "\n" << server->Log();
  EXPECT_EQ(reply->Rows().at(0).at(0), 42);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// A statement whose client hung up stops: with one worker, the next request is served.
TEST(NetworkLimitsTest, HangingUpCancelsARunningStatement) {
  auto server = StartServer({{"KALAMDB_ENGINE_QUERY_WORKERS", "1"},
                             {"KALAMDB_LIMITS_STATEMENT_TIMEOUT_MS", "600000"},
                             {"KALAMDB_LIMITS_MAX_CONCURRENT_STATEMENTS_PER_USER", "4"}});
  ASSERT_NE(server, nullptr);
  {
    ASSERT_OK_AND_ASSIGN(RawConnection gone, RawConnection::Open(server->port()));
    ASSERT_TRUE(gone.Send(SqlRequest("SELECT count(*) FROM range(10000000000000)")));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it start running
  }                                                               // closes: the client hangs up
  client::HttpClient client = server->Client(std::chrono::seconds(10));
  Result<SqlReply> reply = PostSql(client, "SELECT 42 AS answer");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString() << "\n" << server->Log();
  EXPECT_EQ(reply->Rows().at(0).at(0), 42);
}

}  // namespace
}  // namespace kalam::e2e

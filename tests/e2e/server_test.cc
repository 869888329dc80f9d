// HTTP behaviour of the real kalamdb-server: one server for the whole binary.
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kBodyLimit = 64 * 1024;

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<TestServer>> started = TestServer::Start(
        {.env = {{"KALAMDB_SERVER_NODE_ID", "e2e-node"},
                 {"KALAMDB_LIMITS_MAX_REQUEST_BODY_BYTES", std::to_string(kBodyLimit)},
                 {"KALAMDB_LIMITS_MAX_HEADER_BYTES", "4096"}}});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure() && server_ != nullptr) std::cerr << "server log:\n" << server_->Log();
  }

  // The server must still answer after whatever a test threw at it.
  static void ExpectStillHealthy() {
    client::HttpClient client = server_->Client();
    const Result<client::HttpResult> health = client.Get("/v1/api/healthcheck");
    ASSERT_TRUE(health.ok()) << health.status().ToString();
    EXPECT_EQ(health->status, 200);
  }

  static void ExpectErrorEnvelope(const std::string& body, const std::string& code,
                                  const std::string& message_part) {
    const boost::json::value json = boost::json::parse(body);
    EXPECT_EQ(json.at("status"), "error");
    EXPECT_EQ(json.at("error").at("code"), code.c_str());
    EXPECT_THAT(std::string(json.at("error").at("message").as_string()), HasSubstr(message_part));
    EXPECT_TRUE(json.at("results").as_array().empty());
    EXPECT_GE(json.at("took").to_number<double>(), 0.0);
  }

  static inline TestServer* server_ = nullptr;
};

TEST_F(ServerTest, HealthcheckReportsStatusVersionAndNodeId) {
  client::HttpClient client = server_->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult response, client.Get("/v1/api/healthcheck"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  const boost::json::value json = boost::json::parse(response.body);
  EXPECT_EQ(json.at("status"), "healthy");
  EXPECT_EQ(json.at("version"), "0.1.0");
  EXPECT_EQ(json.at("api_version"), "v1");
  EXPECT_EQ(json.at("node_id"), "e2e-node");
  EXPECT_GE(json.at("uptime_seconds").as_int64(), 0);
}

TEST_F(ServerTest, UnknownRouteGets404Envelope) {
  client::HttpClient client = server_->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult response, client.Get("/v1/api/nope?x=1"));
  EXPECT_EQ(response.status, 404);
  ExpectErrorEnvelope(response.body, "NOT_FOUND", "no route for GET /v1/api/nope");
}

TEST_F(ServerTest, WrongMethodGets405WithAllow) {
  client::HttpClient client = server_->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult response, client.Post("/v1/api/healthcheck", "{}"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("allow"), "GET");
  ExpectErrorEnvelope(response.body, "METHOD_NOT_ALLOWED", "POST is not allowed");
}

TEST_F(ServerTest, OversizedBodyGets413AndServerKeepsServing) {
  client::HttpClient client = server_->Client();
  const std::string body(kBodyLimit + 1, 'x');
  ASSERT_OK_AND_ASSIGN(const client::HttpResult response, client.Post("/v1/api/sql", body));
  EXPECT_EQ(response.status, 413);
  ExpectErrorEnvelope(response.body, "REQUEST_TOO_LARGE",
                      "request body exceeds the limit of " + std::to_string(kBodyLimit));
  ExpectStillHealthy();
}

TEST_F(ServerTest, MuchLargerBodyStillGets413NotAReset) {
  // The client is still uploading when the server refuses: it must read the 413.
  const std::string head =
      "POST /v1/api/sql HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n";
  ASSERT_OK_AND_ASSIGN(const std::string reply,
                       RawExchange(server_->port(), head + std::string(4000000, 'y')));
  EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr("REQUEST_TOO_LARGE"));
}

TEST_F(ServerTest, BodyAtTheLimitIsAccepted) {
  client::HttpClient client = server_->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult response,
                       client.Post("/v1/api/nope", std::string(kBodyLimit, 'x')));
  EXPECT_EQ(response.status, 404);  // read completely and routed, not refused as too large
}

TEST_F(ServerTest, OversizedHeadersGet431) {
  client::HttpClient client = server_->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult response,
                       client.Get("/v1/api/healthcheck", {{"X-Big", std::string(8000, 'h')}}));
  EXPECT_EQ(response.status, 431);
  ExpectErrorEnvelope(response.body, "HEADERS_TOO_LARGE", "request headers exceed the limit");
  ExpectStillHealthy();
}

TEST_F(ServerTest, MalformedRequestsGet400AndDoNotCrash) {
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("GET /x HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
        std::string("\x00\x01\x02\xff\xfe\r\n\r\n", 9)}) {
    ASSERT_OK_AND_ASSIGN(const std::string reply, RawExchange(server_->port(), garbage));
    EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 400")) << garbage;
    EXPECT_THAT(reply, HasSubstr("MALFORMED_REQUEST"));
  }
  // A request cut off mid-headers, and one cut off mid-body, then the client leaves.
  EXPECT_OK(RawExchange(server_->port(), "GET /v1/api/healthcheck HTTP/1.1\r\nHo"));
  EXPECT_OK(RawExchange(server_->port(), "POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"));
  ExpectStillHealthy();
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string request = "GET /v1/api/healthcheck HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string last =
      "GET /v1/api/healthcheck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_OK_AND_ASSIGN(const std::string reply,
                       RawExchange(server_->port(), request + request + last));
  size_t responses = 0;
  for (size_t at = reply.find("HTTP/1.1 200"); at != std::string::npos;
       at = reply.find("HTTP/1.1 200", at + 1)) {
    ++responses;
  }
  EXPECT_EQ(responses, 3u) << reply;
}

TEST_F(ServerTest, RequestIdIsEchoedWhenSafe) {
  client::HttpClient client = server_->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult echoed,
                       client.Get("/v1/api/healthcheck", {{"X-Request-ID", "req-123"}}));
  EXPECT_EQ(echoed.Header("x-request-id"), "req-123");
  ASSERT_OK_AND_ASSIGN(
      const client::HttpResult too_long,
      client.Get("/v1/api/healthcheck", {{"X-Request-ID", std::string(200, 'r')}}));
  EXPECT_EQ(too_long.Header("x-request-id"), "");
}

TEST_F(ServerTest, ManyConcurrentClientsAreServed) {
  std::vector<std::jthread> threads;
  std::atomic<int> ok_responses{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      client::HttpClient client = server_->Client();
      for (int i = 0; i < 50; ++i) {
        const Result<client::HttpResult> response = client.Get("/v1/api/healthcheck");
        if (response.ok() && response->status == 200) ++ok_responses;
      }
    });
  }
  threads.clear();  // joins
  EXPECT_EQ(ok_responses, 16 * 50);
}

TEST(ConnectionLimitTest, ConnectionsBeyondTheLimitGet503UntilOneCloses) {
  Result<std::unique_ptr<TestServer>> server =
      TestServer::Start({.env = {{"KALAMDB_LIMITS_MAX_CONNECTIONS", "2"}}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  // A client that got a slot; retried because a connection closed just before (the start-up
  // health check, the previous attempt) frees its slot only once the server reads the close.
  const auto connected = [&]() -> std::optional<client::HttpClient> {
    for (int attempt = 0; attempt < 250; ++attempt) {
      client::HttpClient client = (*server)->Client();
      const Result<client::HttpResult> reply = client.Get("/v1/api/healthcheck");
      if (reply.ok() && reply->status == 200) return client;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  };
  std::optional<client::HttpClient> first = connected();
  ASSERT_TRUE(first.has_value());
  std::optional<client::HttpClient> second = connected();
  ASSERT_TRUE(second.has_value());
  client::HttpClient third = (*server)->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult refused, third.Get("/v1/api/healthcheck"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.Header("retry-after"), "1");
  const boost::json::value body = boost::json::parse(refused.body);
  EXPECT_EQ(body.at("error").at("code"), "TOO_MANY_CONNECTIONS");
  EXPECT_THAT(std::string(body.at("error").at("message").as_string()),
              HasSubstr("limit of 2 concurrent connections"));
  // Keep-alive connections keep their slots; a closed one frees its slot.
  EXPECT_EQ(second->Get("/v1/api/healthcheck")->status, 200);
  first->Disconnect();
  EXPECT_TRUE(connected().has_value());
}

}  // namespace
}  // namespace kalam::e2e

#include "api/router.h"

#include <optional>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api/rate_limiter.h"
#include "api/request_auth.h"

namespace kalam::api {
namespace {

// Dispatches synchronously and returns the response the handler produced.
std::optional<HttpResponse> Call(const Router& router, std::string method, std::string path) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = path;
  request.target = std::move(path);
  request.received_at = std::chrono::steady_clock::now();
  std::optional<HttpResponse> response;
  router.Dispatch(std::move(request), [&](HttpResponse r) { response = std::move(r); });
  return response;
}

TEST(RouterTest, DispatchesByMethodAndExactPath) {
  Router router;
  router.Add("GET", "/a",
             [](HttpRequest&&, const Responder& respond) { respond({.body = "get a"}); });
  router.Add("POST", "/a",
             [](HttpRequest&&, const Responder& respond) { respond({.body = "post a"}); });
  EXPECT_EQ(Call(router, "GET", "/a")->body, "get a");
  EXPECT_EQ(Call(router, "POST", "/a")->body, "post a");
}

TEST(RouterTest, UnknownPathIs404Envelope) {
  Router router;
  const auto response = Call(router, "GET", "/nope");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);
  const boost::json::value body = boost::json::parse(response->body);
  EXPECT_EQ(body.at("status"), "error");
  EXPECT_EQ(body.at("error").at("code"), "NOT_FOUND");
  EXPECT_EQ(body.at("error").at("message"), "no route for GET /nope");
  EXPECT_TRUE(body.at("results").as_array().empty());
  EXPECT_GE(body.at("took").as_double(), 0.0);
}

TEST(RouterTest, WrongMethodIs405WithAllowHeader) {
  Router router;
  router.Add("GET", "/a", [](HttpRequest&&, const Responder& respond) { respond({}); });
  const auto response = Call(router, "DELETE", "/a");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 405);
  ASSERT_EQ(response->headers.size(), 1u);
  EXPECT_EQ(response->headers[0], std::make_pair(std::string("Allow"), std::string("GET")));
}

AuthSettings Trusting(std::string_view proxies) {
  return {.trusted_proxies = ParseIpNetworks(proxies).value()};
}

HttpRequest FromPeer(std::string peer, std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.peer_address = std::move(peer);
  request.headers = std::move(headers);
  return request;
}

TEST(RequestAuthTest, ForwardedForIsReadOnlyFromATrustedPeer) {
  const HttpRequest request = FromPeer("10.0.0.7", {{"x-forwarded-for", "203.0.113.5"}});
  EXPECT_EQ(ClientAddress(request, {}), "10.0.0.7");
  EXPECT_EQ(ClientAddress(request, Trusting("10.0.0.8")), "10.0.0.7");
  EXPECT_EQ(ClientAddress(request, Trusting("10.0.0.7")), "203.0.113.5");
  EXPECT_EQ(ClientAddress(request, Trusting("10.0.0.0/8")), "203.0.113.5");
}

TEST(RequestAuthTest, ForwardedForIsReadRightToLeftSkippingTrustedProxies) {
  const AuthSettings settings = Trusting("10.0.0.0/8, 2001:db8::/32");
  // The client claims 127.0.0.1; the proxy appended the address it really saw.
  EXPECT_EQ(ClientAddress(FromPeer("10.0.0.7", {{"x-forwarded-for", "127.0.0.1, 203.0.113.9"}}),
                          settings),
            "203.0.113.9");
  EXPECT_EQ(ClientAddress(
                FromPeer("10.0.0.7", {{"x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.0.0.2"}}),
                settings),
            "203.0.113.9");
  // Repeated headers form one list, in order.
  EXPECT_EQ(ClientAddress(FromPeer("10.0.0.7", {{"x-forwarded-for", "198.51.100.1"},
                                                {"x-forwarded-for", "10.0.0.3"}}),
                          settings),
            "198.51.100.1");
  EXPECT_EQ(
      ClientAddress(FromPeer("2001:db8::5", {{"x-forwarded-for", "2001:DB8::6, ::1"}}), settings),
      "::1");
  // Only trusted proxies all the way: the leftmost verified hop.
  EXPECT_EQ(
      ClientAddress(FromPeer("10.0.0.7", {{"x-forwarded-for", "10.0.0.1, 10.0.0.2"}}), settings),
      "10.0.0.1");
}

TEST(RequestAuthTest, AMalformedEntryStopsAtTheLastVerifiedHop) {
  const AuthSettings settings = Trusting("10.0.0.0/8");
  for (const char* chain : {"localhost", "", " , ", "unknown", "203.0.113.9:443", "[::1]"}) {
    EXPECT_EQ(ClientAddress(FromPeer("10.0.0.7", {{"x-forwarded-for", chain}}), settings),
              "10.0.0.7")
        << chain;
  }
  EXPECT_EQ(
      ClientAddress(FromPeer("10.0.0.7", {{"x-forwarded-for", "203.0.113.9, junk, 10.0.0.2"}}),
                    settings),
      "10.0.0.2");
  EXPECT_EQ(
      ClientAddress(FromPeer("10.0.0.7", {{"x-forwarded-for", "127.0.0.1, , 10.0.0.2"}}), settings),
      "10.0.0.2");
  EXPECT_EQ(ClientAddress(FromPeer("10.0.0.7", {}), settings), "10.0.0.7");
}

TEST(RequestAuthTest, LoopbackOriginNeedsALoopbackPeerAndNoForwardingHeaders) {
  EXPECT_TRUE(IsLoopbackOrigin(FromPeer("127.0.0.1", {})));
  EXPECT_TRUE(IsLoopbackOrigin(FromPeer("::1", {{"x-request-id", "r"}})));
  EXPECT_TRUE(IsLoopbackOrigin(FromPeer("::ffff:127.0.0.1", {})));
  EXPECT_FALSE(IsLoopbackOrigin(FromPeer("10.0.0.5", {})));
  EXPECT_FALSE(IsLoopbackOrigin(FromPeer("", {})));
  for (const char* header : {"x-forwarded-for", "forwarded", "x-real-ip"}) {
    EXPECT_FALSE(IsLoopbackOrigin(FromPeer("127.0.0.1", {{header, "127.0.0.1"}}))) << header;
    EXPECT_FALSE(IsLoopbackOrigin(FromPeer("127.0.0.1", {{header, ""}}))) << header;
  }
  // A forwarded address is never loopback, even when it says so and the proxy is trusted.
  const HttpRequest spoof = FromPeer("127.0.0.1", {{"x-forwarded-for", "127.0.0.1"}});
  const auth::ClientOrigin origin = OriginOf(spoof, Trusting("127.0.0.1"));
  EXPECT_EQ(origin.address, "127.0.0.1");
  EXPECT_FALSE(origin.loopback);
}

TEST(RequestAuthTest, AuditedNamesAreTruncatedOnACharacterBoundary) {
  EXPECT_EQ(TruncatedForLog("alice"), "alice");
  EXPECT_EQ(TruncatedForLog(std::string(64, 'a')), std::string(64, 'a'));
  EXPECT_EQ(TruncatedForLog(std::string(9 << 20, 'a')), std::string(64, 'a') + "…");
  const std::string wide = std::string(63, 'a') + "é" + "tail";  // é straddles byte 64
  EXPECT_EQ(TruncatedForLog(wide), std::string(63, 'a') + "…");
}

TEST(RateLimiterTest, CountsPerUserPerSecond) {
  RateLimiter limiter(2);
  EXPECT_TRUE(limiter.Allow("alice", 1000));
  EXPECT_TRUE(limiter.Allow("alice", 1500));
  EXPECT_FALSE(limiter.Allow("alice", 1999));
  EXPECT_TRUE(limiter.Allow("bob", 1999));
  EXPECT_TRUE(limiter.Allow("alice", 2000));  // a new second
  RateLimiter unlimited(0);
  for (int i = 0; i < 1000; ++i)
    EXPECT_TRUE(unlimited.Allow("x", 0));
}

TEST(HttpRequestTest, HeaderLookupUsesLowerCaseNames) {
  HttpRequest request;
  request.headers = {{"x-request-id", "abc"}, {"content-type", "application/json"}};
  EXPECT_EQ(request.Header("x-request-id"), "abc");
  EXPECT_EQ(request.Header("authorization"), "");
}

}  // namespace
}  // namespace kalam::api

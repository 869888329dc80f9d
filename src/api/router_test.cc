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

TEST(RequestAuthTest, LoopbackAddresses) {
  EXPECT_TRUE(auth::IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(auth::IsLoopbackAddress("127.1.2.3"));
  EXPECT_TRUE(auth::IsLoopbackAddress("::1"));
  EXPECT_TRUE(auth::IsLoopbackAddress("::ffff:127.0.0.1"));
  EXPECT_FALSE(auth::IsLoopbackAddress("10.0.0.5"));
  EXPECT_FALSE(auth::IsLoopbackAddress("::ffff:10.0.0.5"));
  EXPECT_FALSE(auth::IsLoopbackAddress("1127.0.0.1"));
  EXPECT_FALSE(auth::IsLoopbackAddress(""));
}

TEST(RequestAuthTest, ForwardedForCountsOnlyWhenTrustedAndNeverForLoopback) {
  HttpRequest request;
  request.peer_address = "10.0.0.7";  // the proxy
  request.headers = {{"x-forwarded-for", " 203.0.113.5 , 10.0.0.1"}};
  EXPECT_EQ(ClientAddress(request, {.trust_proxy_headers = false}), "10.0.0.7");
  EXPECT_EQ(ClientAddress(request, {.trust_proxy_headers = true}), "203.0.113.5");
  request.headers = {{"x-forwarded-for", "127.0.0.1"}};  // a spoof to look local
  EXPECT_EQ(ClientAddress(request, {.trust_proxy_headers = true}), "10.0.0.7");
  request.headers = {{"x-forwarded-for", "localhost"}};
  EXPECT_EQ(ClientAddress(request, {.trust_proxy_headers = true}), "10.0.0.7");
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

#pragma once

#include <atomic>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/sql_client.h"
#include "tests/e2e/test_server.h"

namespace kalam::e2e {

// One real server for the whole test binary; each test works in its own namespace.
class SqlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Tests drive several concurrent clients as root: root's share of the workers must
    // not refuse them (tests/e2e/sql_limits_test.cc covers the cap itself).
    Result<std::unique_ptr<TestServer>> started =
        TestServer::Start({.env = {{"KALAMDB_LIMITS_MAX_CONCURRENT_STATEMENTS_PER_USER", "64"}}});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<client::HttpClient>(server_->Client());
    ns_ = "t" + std::to_string(next_namespace_++) + "_" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : ns_)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ns_ = ns_.substr(0, 60);
    Ok("CREATE NAMESPACE " + ns_);
  }
  void TearDown() override {
    if (HasFailure() && server_ != nullptr) std::cerr << "server log:\n" << server_->Log();
  }

  // Runs SQL that must succeed; returns the reply.
  SqlReply Ok(const std::string& sql) {
    Result<SqlReply> reply = PostSql(*client_, sql);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return {};
    EXPECT_EQ(reply->http_status, 200) << sql << "\n" << boost::json::serialize(reply->body);
    return *reply;
  }
  // Runs SQL that must fail with `http_status`; returns the error message.
  std::string Fails(const std::string& sql, int http_status = 400) {
    Result<SqlReply> reply = PostSql(*client_, sql);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return "";
    EXPECT_EQ(reply->http_status, http_status) << sql << "\n"
                                               << boost::json::serialize(reply->body);
    if (reply->http_status == 200) return "";
    EXPECT_EQ(reply->body.at("status"), "error");
    return reply->ErrorMessage();
  }

  static inline TestServer* server_ = nullptr;
  static inline std::atomic<int> next_namespace_{0};
  std::unique_ptr<client::HttpClient> client_;
  std::string ns_;
};

}  // namespace kalam::e2e

// Start, stop and startup-error behaviour of the real kalamdb-server binary.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>

#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<TestServer> StartOrFail(TestServerOptions options = {}) {
  Result<std::unique_ptr<TestServer>> server = TestServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

TEST(LifecycleTest, SigtermShutsDownGracefullyAndReleasesTheLock) {
  testing::TempDir dir;
  auto server = StartOrFail({.data_dir = dir.path()});
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(const int exit_code, server->SignalAndWait(SIGTERM));
  EXPECT_EQ(exit_code, 0) << server->Log();
  const std::string log = server->Log();
  EXPECT_THAT(log, HasSubstr("shutting down signal=SIGTERM"));
  EXPECT_THAT(log, HasSubstr("storage: closed"));
  EXPECT_THAT(log, HasSubstr("server: stopped"));
  // The lock is released: a new server opens the same data directory.
  auto again = StartOrFail({.data_dir = dir.path()});
  ASSERT_NE(again, nullptr);
}

TEST(LifecycleTest, SigintAlsoShutsDownGracefully) {
  auto server = StartOrFail();
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(const int exit_code, server->SignalAndWait(SIGINT));
  EXPECT_EQ(exit_code, 0) << server->Log();
}

TEST(LifecycleTest, KilledServerLeavesNoStaleLock) {
  testing::TempDir dir;
  auto server = StartOrFail({.data_dir = dir.path()});
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(const int exit_code, server->SignalAndWait(SIGKILL));
  EXPECT_EQ(exit_code, 128 + SIGKILL);
  auto again = StartOrFail({.data_dir = dir.path()});
  ASSERT_NE(again, nullptr);
}

TEST(LifecycleTest, SecondServerOnSameDataDirIsRefusedClearly) {
  testing::TempDir dir;
  auto server = StartOrFail({.data_dir = dir.path()});
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(const ProcessOutcome second,
                       RunServerToExit({"--data-dir", dir.str(), "--port", "0"}));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.output, HasSubstr("kalamdb-server: error: data directory " + dir.str() +
                                       " is in use by another kalamdb-server (pid " +
                                       std::to_string(server->pid()) + ")"));
  // The first server is unharmed.
  client::HttpClient client = server->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult health, client.Get("/v1/api/healthcheck"));
  EXPECT_EQ(health.status, 200);
}

TEST(LifecycleTest, PortInUseIsAClearStartupError) {
  auto server = StartOrFail();
  ASSERT_NE(server, nullptr);
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(
      const ProcessOutcome second,
      RunServerToExit({"--data-dir", dir.str(), "--port", std::to_string(server->port())}));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.output,
              HasSubstr("kalamdb-server: error: cannot listen on 127.0.0.1:" +
                        std::to_string(server->port()) + ": Address already in use"));
}

TEST(LifecycleTest, UnusableDataDirIsAClearStartupError) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  const std::string data_dir = (dir.path() / "file" / "data").string();
  ASSERT_OK_AND_ASSIGN(const ProcessOutcome outcome,
                       RunServerToExit({"--data-dir", data_dir, "--port", "0"}));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.output,
              HasSubstr("kalamdb-server: error: cannot create data directory " + data_dir));
}

TEST(LifecycleTest, BadConfigurationIsReportedWithEveryProblem) {
  testing::TempDir dir;
  const std::string config = (dir.path() / "server.toml").string();
  std::ofstream(config) << "[server]\nprot = 1\n[logging]\nlevel = \"loud\"\n";
  ASSERT_OK_AND_ASSIGN(const ProcessOutcome outcome,
                       RunServerToExit({"--config", config, "--data-dir", dir.str()},
                                       {{"KALAMDB_SERVER_WORKERS", "many"}}));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.output, HasSubstr("invalid configuration:"));
  EXPECT_THAT(outcome.output, HasSubstr("unknown key 'server.prot'; did you mean 'server.port'?"));
  EXPECT_THAT(outcome.output, HasSubstr("logging.level must be one of"));
  EXPECT_THAT(outcome.output,
              HasSubstr("KALAMDB_SERVER_WORKERS: server.workers must be an integer"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "kalamdb.lock"));  // nothing was opened
}

TEST(LifecycleTest, HelpVersionAndBadFlags) {
  ASSERT_OK_AND_ASSIGN(const ProcessOutcome help, RunServerToExit({"--help"}));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("usage: kalamdb-server"));
  EXPECT_THAT(help.output, HasSubstr("--data-dir"));
  ASSERT_OK_AND_ASSIGN(const ProcessOutcome version, RunServerToExit({"--version"}));
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("kalamdb-server 0.1.0"));
  ASSERT_OK_AND_ASSIGN(const ProcessOutcome bad, RunServerToExit({"--bogus"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("unknown flag '--bogus'"));
}

}  // namespace
}  // namespace kalam::e2e

namespace kalam::e2e {
namespace {

// A non-loopback IPv4 address of this machine, if it has one.
std::optional<std::string> NonLoopbackAddress() {
  ifaddrs* addresses = nullptr;
  if (getifaddrs(&addresses) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (ifaddrs* it = addresses; it != nullptr && !found; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* address = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
    if (!std::string(text).starts_with("127.")) found = text;
  }
  freeifaddrs(addresses);
  return found;
}

TEST(RemoteAccessTest, RootWithoutPasswordIsRefusedFromANonLoopbackPeer) {
  const std::optional<std::string> address = NonLoopbackAddress();
  if (!address.has_value()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  auto server = StartOrFail({.env = {{"KALAMDB_SERVER_HOST", "0.0.0.0"}}});
  ASSERT_NE(server, nullptr);
  client::HttpClient remote(*address, server->port());
  ASSERT_OK_AND_ASSIGN(const client::HttpResult health, remote.Get("/v1/api/healthcheck"));
  EXPECT_EQ(health.status, 200);
  ASSERT_OK_AND_ASSIGN(
      const client::HttpResult refused,
      remote.Post("/v1/api/sql", R"({"sql": "SELECT 1"})", {{"Authorization", "Basic cm9vdDo="}}));
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("REMOTE_ACCESS_DENIED"));
  client::HttpClient local = server->Client();
  ASSERT_OK_AND_ASSIGN(const client::HttpResult allowed,
                       local.Post("/v1/api/sql", R"({"sql": "SELECT 1"})"));
  EXPECT_EQ(allowed.status, 200);
}

}  // namespace
}  // namespace kalam::e2e

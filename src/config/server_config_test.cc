#include "config/server_config.h"

#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConfigTest : public ::testing::Test {
 protected:
  std::string WriteToml(const std::string& text) {
    std::string path = (dir_.path() / "server.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  // The error message of a load that must fail.
  std::string LoadError(const std::optional<std::string>& path, const Environment& env = {},
                        const std::vector<FlagOverride>& flags = {}) {
    const Result<ServerConfig> result = LoadConfig(path, env, flags);
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    return std::string(result.status().message());
  }

  testing::TempDir dir_;
};

TEST_F(ConfigTest, DefaultsWithoutFileOrEnvironment) {
  ASSERT_OK_AND_ASSIGN(const ServerConfig config, LoadConfig(std::nullopt, {}));
  EXPECT_EQ(config, ServerConfig());
  EXPECT_EQ(config.server.host, "127.0.0.1");
  EXPECT_EQ(config.server.port, 8080);
  EXPECT_EQ(config.server.node_id, "node1");
  EXPECT_EQ(config.server.data_dir, "./data");
  EXPECT_FALSE(config.storage.sync_writes);
  EXPECT_EQ(config.limits.max_request_body_bytes, 10 << 20);
  EXPECT_EQ(config.logging.level, "info");
}

TEST_F(ConfigTest, ShippedServerTomlIsValidAndEqualsTheDefaults) {
  ASSERT_OK_AND_ASSIGN(const ServerConfig config,
                       LoadConfig(std::string(KALAM_SOURCE_DIR) + "/server.toml", {}));
  EXPECT_EQ(config, ServerConfig());
}

TEST_F(ConfigTest, FileValuesOverrideDefaults) {
  const std::string path = WriteToml(R"(
[server]
host = "0.0.0.0"
port = 9000
node_id = "node-b"
[storage]
sync_writes = true
compression = "zstd"
[logging]
level = "debug"
)");
  ASSERT_OK_AND_ASSIGN(const ServerConfig config, LoadConfig(path, {}));
  EXPECT_EQ(config.server.host, "0.0.0.0");
  EXPECT_EQ(config.server.port, 9000);
  EXPECT_EQ(config.server.node_id, "node-b");
  EXPECT_TRUE(config.storage.sync_writes);
  EXPECT_EQ(config.storage.compression, "zstd");
  EXPECT_EQ(config.logging.level, "debug");
  EXPECT_EQ(config.server.data_dir, "./data");  // untouched keys keep their defaults
}

TEST_F(ConfigTest, EnvironmentOverridesFileAndFlagsOverrideEnvironment) {
  const std::string path = WriteToml("[server]\nport = 9000\ndata_dir = \"/from/file\"\n");
  const Environment env = {{"KALAMDB_SERVER_PORT", "9100"},
                           {"KALAMDB_DATA_DIR", "/from/env"},
                           {"KALAMDB_STORAGE_SYNC_WRITES", "yes"},
                           {"KALAMDB_LOG_LEVEL", "warn"}};
  ASSERT_OK_AND_ASSIGN(const ServerConfig from_env, LoadConfig(path, env));
  EXPECT_EQ(from_env.server.port, 9100);
  EXPECT_EQ(from_env.server.data_dir, "/from/env");
  EXPECT_TRUE(from_env.storage.sync_writes);
  EXPECT_EQ(from_env.logging.level, "warn");

  ASSERT_OK_AND_ASSIGN(const ServerConfig from_flags,
                       LoadConfig(path, env, {{"server.port", "0"}, {"server.data_dir", "/f"}}));
  EXPECT_EQ(from_flags.server.port, 0);
  EXPECT_EQ(from_flags.server.data_dir, "/f");
}

TEST_F(ConfigTest, CanonicalEnvironmentNameWinsOverAlias) {
  ASSERT_OK_AND_ASSIGN(
      const ServerConfig config,
      LoadConfig(std::nullopt, {{"KALAMDB_PORT", "1111"}, {"KALAMDB_SERVER_PORT", "2222"}}));
  EXPECT_EQ(config.server.port, 2222);
}

TEST_F(ConfigTest, JwtEnvironmentAliasesAndSecretLength) {
  ASSERT_OK_AND_ASSIGN(const ServerConfig config,
                       LoadConfig(std::nullopt, {{"KALAMDB_JWT_SECRET", std::string(32, 'x')},
                                                 {"KALAMDB_JWT_TRUSTED_ISSUERS", "a,b"}}));
  EXPECT_EQ(config.auth.jwt_secret, std::string(32, 'x'));
  EXPECT_EQ(config.auth.jwt_trusted_issuers, "a,b");
  const Result<ServerConfig> short_secret =
      LoadConfig(std::nullopt, {{"KALAMDB_JWT_SECRET", "too-short"}});
  ASSERT_FALSE(short_secret.ok());
  EXPECT_THAT(short_secret.status().message(), HasSubstr("auth.jwt_secret must be at least 32"));
}

TEST_F(ConfigTest, EveryKeyHasAnEnvironmentVariable) {
  const auto keys = ConfigKeysAndEnvVars();
  ASSERT_EQ(keys.size(), 73u);
  for (const auto& [key, env_name] : keys) {
    EXPECT_THAT(env_name, ::testing::StartsWith("KALAMDB_")) << key;
  }
  EXPECT_EQ(keys.front(),
            std::make_pair(std::string("server.host"), std::string("KALAMDB_SERVER_HOST")));
}

TEST_F(ConfigTest, UnknownKeyAndSectionAreErrorsWithHints) {
  const std::string path = WriteToml("[server]\nprot = 8080\n[sever]\nhost = \"x\"\n[auth2]\n");
  const std::string error = LoadError(path);
  EXPECT_THAT(error, HasSubstr("server.toml:2: unknown key 'server.prot'; did you mean "
                               "'server.port'?"));
  EXPECT_THAT(error, HasSubstr("unknown section [sever]; did you mean 'server'?"));
  EXPECT_THAT(error, HasSubstr("unknown section [auth2]"));
}

TEST_F(ConfigTest, WrongTypesNameTheKey) {
  const std::string path =
      WriteToml("[server]\nport = \"8080\"\n[storage]\nsync_writes = 1\n[logging]\nlevel = 3\n");
  const std::string error = LoadError(path);
  EXPECT_THAT(error, HasSubstr("server.toml:2: server.port must be an integer"));
  EXPECT_THAT(error, HasSubstr("server.toml:4: storage.sync_writes must be a boolean"));
  EXPECT_THAT(error, HasSubstr("server.toml:6: logging.level must be a string"));
}

TEST_F(ConfigTest, SyntaxErrorReportsLineAndColumn) {
  const std::string error = LoadError(WriteToml("[server]\nport = = 3\n"));
  EXPECT_THAT(error, HasSubstr("server.toml:2:"));
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  EXPECT_THAT(LoadError((dir_.path() / "nope.toml").string()), HasSubstr("nope.toml"));
}

TEST_F(ConfigTest, BadEnvironmentValuesNameTheVariable) {
  const std::string error = LoadError(
      std::nullopt, {{"KALAMDB_SERVER_PORT", "80a"}, {"KALAMDB_LOG_TO_CONSOLE", "maybe"}});
  EXPECT_THAT(error, HasSubstr("KALAMDB_SERVER_PORT: server.port must be an integer, got '80a'"));
  EXPECT_THAT(error, HasSubstr("KALAMDB_LOG_TO_CONSOLE: logging.log_to_console must be a boolean, "
                               "got 'maybe'"));
}

TEST_F(ConfigTest, BadFlagValueIsReported) {
  EXPECT_THAT(LoadError(std::nullopt, {}, {{"server.port", "http"}}),
              HasSubstr("command line: server.port must be an integer, got 'http'"));
}

TEST_F(ConfigTest, EveryValidationProblemIsReportedAtOnce) {
  const std::string path = WriteToml(R"(
[server]
host = "not a host"
port = 70000
node_id = "bad node!"
data_dir = ""
workers = -1
[storage]
wal_sync_interval_ms = -5
write_buffer_mb = 0
block_cache_mb = 0
max_background_jobs = 100
compression = "brotli"
[limits]
max_request_body_bytes = 10
max_header_bytes = 100
http_idle_timeout_seconds = 0
[engine]
threads = 0
query_workers = -1
[logging]
level = "loud"
)");
  const std::string error = LoadError(path);
  for (const char* expected : {
           "server.host must be an IP address or 'localhost', got 'not a host'",
           "server.port must be between 0 and 65535, got 70000",
           "server.node_id must be 1-64 characters",
           "server.data_dir must not be empty",
           "server.workers must be between 0 and 1024, got -1",
           "storage.wal_sync_interval_ms must be between 0 and 60000, got -5",
           "storage.write_buffer_mb must be between 1 and 4096, got 0",
           "storage.block_cache_mb must be between 1 and 1048576, got 0",
           "storage.max_background_jobs must be between 1 and 64, got 100",
           "storage.compression must be one of none, lz4, zstd, snappy, got 'brotli'",
           "limits.max_request_body_bytes must be between 1024 and 1073741824, got 10",
           "limits.max_header_bytes must be between 1024 and 1048576, got 100",
           "limits.http_idle_timeout_seconds must be between 1 and 3600, got 0",
           "engine.threads must be between 1 and 256, got 0",
           "engine.query_workers must be between 0 and 1024, got -1",
           "logging.level must be one of trace, debug, info, warn, error, critical, off",
       }) {
    EXPECT_THAT(error, HasSubstr(expected));
  }
}

TEST_F(ConfigTest, TrustedProxiesNameEachBadEntry) {
  const std::string error = LoadError(
      WriteToml("[server]\ntrusted_proxies = \"10.0.0.0/8, proxy.local, ::1, 10.1.0.0/40,\"\n"));
  EXPECT_THAT(error, HasSubstr("server.trusted_proxies: 'proxy.local' is not an IP address"));
  EXPECT_THAT(error, HasSubstr("server.trusted_proxies: '10.1.0.0/40' is not an IP address"));
  EXPECT_THAT(error, HasSubstr("server.trusted_proxies: '' is not an IP address"));
  EXPECT_THAT(error, Not(HasSubstr("'10.0.0.0/8'")));
  const Result<ServerConfig> good = LoadConfig(
      WriteToml("[server]\ntrusted_proxies = \" 10.0.0.0/8 , 2001:db8::/32,127.0.0.1\"\n"), {}, {});
  EXPECT_TRUE(good.ok()) << good.status().ToString();
}

TEST_F(ConfigTest, ParseAndValidationProblemsAreReportedTogether) {
  const std::string error = LoadError(WriteToml("[server]\nport = 99999\nhots = \"x\"\n"));
  EXPECT_THAT(error, HasSubstr("unknown key 'server.hots'; did you mean 'server.host'?"));
  EXPECT_THAT(error, HasSubstr("server.port must be between 0 and 65535, got 99999"));
}

TEST_F(ConfigTest, LocalhostAndIpv6HostsAreAccepted) {
  EXPECT_OK(LoadConfig(std::nullopt, {{"KALAMDB_SERVER_HOST", "localhost"}}));
  EXPECT_OK(LoadConfig(std::nullopt, {{"KALAMDB_SERVER_HOST", "::1"}}));
}

}  // namespace
}  // namespace kalam::config

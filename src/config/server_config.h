#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kalam::config {

// [server]: where and as whom this process serves.
struct ServerSection {
  std::string host = "127.0.0.1";   // listen address (IP literal or "localhost")
  int64_t port = 8080;              // TCP port; 0 picks a free port (printed at start)
  std::string node_id = "node1";    // this node's name; read once into AppContext's NodeId
  std::string data_dir = "./data";  // RocksDB, cold storage and the lock file live here
  int64_t workers = 0;              // network threads; 0 = number of CPU cores
  // Comma-separated IPs or CIDR blocks of reverse proxies whose X-Forwarded-For is read;
  // empty = the TCP peer is the client (docs/security.md).
  std::string trusted_proxies;

  friend bool operator==(const ServerSection&, const ServerSection&) = default;
};

// [storage]: the RocksDB hot store.
struct StorageSection {
  bool sync_writes = false;            // fsync the WAL on every commit (power-loss durable)
  int64_t wal_sync_interval_ms = 100;  // when !sync_writes: background WAL fsync period; 0 = off
  int64_t write_buffer_mb = 64;        // memtable size per column family, MiB
  int64_t block_cache_mb = 128;        // shared read cache, MiB
  int64_t max_background_jobs = 2;     // RocksDB flush + compaction threads
  std::string compression = "lz4";     // none | lz4 | zstd | snappy

  friend bool operator==(const StorageSection&, const StorageSection&) = default;
};

// [limits]: protection against oversized or slow requests.
struct LimitsSection {
  int64_t max_request_body_bytes = 10 << 20;       // larger bodies get 413
  int64_t max_header_bytes = 16 << 10;             // larger header blocks get 431
  int64_t http_idle_timeout_seconds = 75;          // idle keep-alive connections are closed
  int64_t max_connections = 10000;                 // concurrent HTTP connections; beyond: 503
  int64_t max_sql_length = 1 << 20;                // characters of SQL per request
  int64_t max_params = 1000;                       // "params" entries per request
  int64_t max_param_bytes = 1 << 20;               // serialized size of one parameter
  int64_t max_statements_per_batch = 100;          // ;-separated statements per request
  int64_t queries_per_second_per_user = 10000;     // beyond: 429 RATE_LIMIT_EXCEEDED; 0 = off
  int64_t max_connections_per_address = 256;       // concurrent connections from one client IP
  int64_t header_read_timeout_ms = 10000;          // first byte to end of headers, per request
  int64_t body_read_timeout_ms = 60000;            // end of headers to end of body, per request
  int64_t statement_timeout_ms = 30000;            // a statement running longer is interrupted
  int64_t max_concurrent_statements_per_user = 0;  // 0 = half the query workers (at least 1)
  int64_t max_rows_per_statement = 100000;         // rows one INSERT/UPDATE/DELETE may write
  int64_t max_result_bytes = 64 << 20;             // encoded result bytes per request
  int64_t response_buffer_bytes = 8 << 20;  // unsent response bytes held before a worker waits

  friend bool operator==(const LimitsSection&, const LimitsSection&) = default;
};

// [engine]: query execution (DuckDB) and the SQL worker pool.
// [auth]: passwords, tokens and login throttling (docs/security.md).
// [websocket]: live queries over /v1/ws.
struct WebSocketSection {
  int64_t auth_timeout_ms = 3000;        // a connection must authenticate within this
  int64_t heartbeat_interval_ms = 5000;  // the server pings this often
  int64_t client_timeout_ms = 10000;     // a client silent this long is closed
  int64_t max_message_bytes = 1 << 20;   // larger client messages get MESSAGE_TOO_LARGE
  int64_t max_messages_per_second = 50;  // per connection, beyond: RATE_LIMIT_EXCEEDED
  int64_t max_subscriptions_per_connection = 100;
  int64_t max_subscriptions_per_user = 1000;
  int64_t max_queued_messages = 10000;  // unsent messages per connection, beyond: closed
  int64_t max_queued_bytes = 16 << 20;  // unsent bytes per connection, beyond: closed
  int64_t default_batch_size = 1000;    // snapshot rows per initial_data_batch
  int64_t max_batch_size = 10000;       // largest batch_size and last_rows
  std::string allowed_origins;          // comma list of Origin values; empty = any
  bool permessage_deflate = true;       // compression, with clients that offer it

  friend bool operator==(const WebSocketSection&, const WebSocketSection&) = default;
};

// [jobs]: background jobs (src/jobs/).
struct JobsSection {
  int64_t max_concurrent = 2;       // jobs running at once
  int64_t max_retries = 3;          // a job's retries after a transient failure, by default
  int64_t retry_backoff_ms = 1000;  // before the first retry; doubles for each further one
  int64_t retention_days = 30;      // finished jobs older than this are deleted (job_cleanup)
  int64_t cleanup_interval_seconds = 3600;  // how often job_cleanup runs

  friend bool operator==(const JobsSection&, const JobsSection&) = default;
};

// [stream]: STREAM tables.
struct StreamSection {
  int64_t eviction_interval_ms = 60000;  // how often expired events are deleted
  int64_t eviction_batch_size = 10000;   // events per write

  friend bool operator==(const StreamSection&, const StreamSection&) = default;
};

// [users]
struct UsersSection {
  int64_t deletion_grace_period_days = 30;  // a dropped user's data is deleted after this

  friend bool operator==(const UsersSection&, const UsersSection&) = default;
};

struct AuthSection {
  std::string jwt_secret;              // HS256 key, >= 32 chars; empty = generated in data_dir
  std::string jwt_issuer = "kalamdb";  // iss of the tokens this server issues
  std::string jwt_trusted_issuers;     // comma list of other issuers sharing the secret
  int64_t access_token_ttl_seconds = 3600;
  int64_t refresh_token_ttl_seconds = 604800;
  int64_t min_password_length = 8;
  int64_t max_password_length = 256;
  bool enforce_password_complexity = false;  // upper, lower, digit and symbol
  bool refuse_common_passwords = true;
  int64_t argon2_memory_kib = 19456;  // argon2id cost (ADR 0012)
  int64_t argon2_iterations = 2;
  int64_t max_failed_logins = 5;  // per user and address, then a lockout
  int64_t lockout_seconds = 60;
  int64_t max_failed_logins_per_address = 50;  // per address over all names, then a lockout
  bool allow_remote_setup = false;             // POST /v1/api/auth/setup from other machines

  friend bool operator==(const AuthSection&, const AuthSection&) = default;
};

struct EngineSection {
  int64_t threads = 2;             // DuckDB threads per query
  int64_t memory_limit_mb = 1024;  // DuckDB memory limit, MiB
  int64_t query_workers = 0;       // threads running SQL (and DuckDB connections); 0 = 2 × cores
  int64_t max_queued_requests = 1024;  // SQL requests waiting for a worker; beyond: 503
  int64_t busy_threshold_ms = 10000;   // every worker busy this long: healthcheck "degraded"

  friend bool operator==(const EngineSection&, const EngineSection&) = default;
};

// [logging]
struct LoggingSection {
  std::string level = "info";  // trace | debug | info | warn | error | critical | off
  bool log_to_console = true;  // write to stderr
  std::string file;            // also append to this file; empty = no file

  friend bool operator==(const LoggingSection&, const LoggingSection&) = default;
};

// The whole server configuration: defaults, then server.toml, then KALAMDB_* environment
// variables, then command-line flags, then validation. Immutable after startup; each
// component receives its own section.
struct ServerConfig {
  ServerSection server;
  StorageSection storage;
  LimitsSection limits;
  EngineSection engine;
  AuthSection auth;
  WebSocketSection websocket;
  JobsSection jobs;
  StreamSection stream;
  UsersSection users;
  LoggingSection logging;

  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

using Environment = std::map<std::string, std::string, std::less<>>;

// The KALAMDB_* variables of this process.
Environment ProcessEnvironment();

// A "section.key" = value override from the command line (e.g. --port → server.port).
struct FlagOverride {
  std::string key;
  std::string value;
};

// Builds the configuration. `path` empty means defaults only (plus env and flags).
// Every problem (unreadable file, TOML syntax, unknown key with a hint, wrong type, bad
// environment value, failed validation) is reported at once in one kInvalidArgument
// status, one line per problem, each naming its key.
Result<ServerConfig> LoadConfig(const std::optional<std::string>& path, const Environment& env,
                                const std::vector<FlagOverride>& flags = {});

// Problems with an assembled configuration, one message per problem; empty when valid.
std::vector<std::string> Validate(const ServerConfig& config);

// Every key as "section.key", with the environment variable that overrides it.
std::vector<std::pair<std::string, std::string>> ConfigKeysAndEnvVars();

}  // namespace kalam::config

#include "config/server_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <functional>
#include <variant>

#include <toml++/toml.h>

#include "common/ip_address.h"
#include "common/log.h"

extern char** environ;  // NOLINT: POSIX

namespace kalam::config {
namespace {

using Value = std::variant<std::string, int64_t, bool>;
enum class Kind : uint8_t { kString, kInteger, kBoolean };

// One configuration key: where it lives in server.toml and how it is stored.
struct KeySpec {
  std::string_view section;
  std::string_view name;
  Kind kind;
  std::function<void(ServerConfig&, const Value&)> set;
};

template <typename Section, typename Field>
KeySpec Key(std::string_view section, std::string_view name, Section ServerConfig::*in,
            Field Section::*field) {
  Kind kind = Kind::kString;
  if constexpr (std::is_same_v<Field, int64_t>) kind = Kind::kInteger;
  if constexpr (std::is_same_v<Field, bool>) kind = Kind::kBoolean;
  return {section, name, kind, [in, field](ServerConfig& config, const Value& value) {
            config.*in.*field = std::get<Field>(value);
          }};
}

const std::vector<KeySpec>& Keys() {
  static const std::vector<KeySpec> keys = {
      Key("server", "host", &ServerConfig::server, &ServerSection::host),
      Key("server", "port", &ServerConfig::server, &ServerSection::port),
      Key("server", "node_id", &ServerConfig::server, &ServerSection::node_id),
      Key("server", "data_dir", &ServerConfig::server, &ServerSection::data_dir),
      Key("server", "workers", &ServerConfig::server, &ServerSection::workers),
      Key("server", "trusted_proxies", &ServerConfig::server, &ServerSection::trusted_proxies),
      Key("storage", "sync_writes", &ServerConfig::storage, &StorageSection::sync_writes),
      Key("storage", "wal_sync_interval_ms", &ServerConfig::storage,
          &StorageSection::wal_sync_interval_ms),
      Key("storage", "write_buffer_mb", &ServerConfig::storage, &StorageSection::write_buffer_mb),
      Key("storage", "block_cache_mb", &ServerConfig::storage, &StorageSection::block_cache_mb),
      Key("storage", "max_background_jobs", &ServerConfig::storage,
          &StorageSection::max_background_jobs),
      Key("storage", "compression", &ServerConfig::storage, &StorageSection::compression),
      Key("limits", "max_request_body_bytes", &ServerConfig::limits,
          &LimitsSection::max_request_body_bytes),
      Key("limits", "max_header_bytes", &ServerConfig::limits, &LimitsSection::max_header_bytes),
      Key("limits", "http_idle_timeout_seconds", &ServerConfig::limits,
          &LimitsSection::http_idle_timeout_seconds),
      Key("limits", "max_connections", &ServerConfig::limits, &LimitsSection::max_connections),
      Key("limits", "max_sql_length", &ServerConfig::limits, &LimitsSection::max_sql_length),
      Key("limits", "max_params", &ServerConfig::limits, &LimitsSection::max_params),
      Key("limits", "max_param_bytes", &ServerConfig::limits, &LimitsSection::max_param_bytes),
      Key("limits", "max_statements_per_batch", &ServerConfig::limits,
          &LimitsSection::max_statements_per_batch),
      Key("limits", "queries_per_second_per_user", &ServerConfig::limits,
          &LimitsSection::queries_per_second_per_user),
      Key("limits", "max_connections_per_address", &ServerConfig::limits,
          &LimitsSection::max_connections_per_address),
      Key("limits", "header_read_timeout_ms", &ServerConfig::limits,
          &LimitsSection::header_read_timeout_ms),
      Key("limits", "body_read_timeout_ms", &ServerConfig::limits,
          &LimitsSection::body_read_timeout_ms),
      Key("limits", "statement_timeout_ms", &ServerConfig::limits,
          &LimitsSection::statement_timeout_ms),
      Key("limits", "max_concurrent_statements_per_user", &ServerConfig::limits,
          &LimitsSection::max_concurrent_statements_per_user),
      Key("limits", "max_rows_per_statement", &ServerConfig::limits,
          &LimitsSection::max_rows_per_statement),
      Key("limits", "max_result_bytes", &ServerConfig::limits, &LimitsSection::max_result_bytes),
      Key("limits", "response_buffer_bytes", &ServerConfig::limits,
          &LimitsSection::response_buffer_bytes),
      Key("engine", "threads", &ServerConfig::engine, &EngineSection::threads),
      Key("engine", "memory_limit_mb", &ServerConfig::engine, &EngineSection::memory_limit_mb),
      Key("engine", "query_workers", &ServerConfig::engine, &EngineSection::query_workers),
      Key("engine", "max_queued_requests", &ServerConfig::engine,
          &EngineSection::max_queued_requests),
      Key("engine", "busy_threshold_ms", &ServerConfig::engine, &EngineSection::busy_threshold_ms),
      Key("auth", "jwt_secret", &ServerConfig::auth, &AuthSection::jwt_secret),
      Key("auth", "jwt_issuer", &ServerConfig::auth, &AuthSection::jwt_issuer),
      Key("auth", "jwt_trusted_issuers", &ServerConfig::auth, &AuthSection::jwt_trusted_issuers),
      Key("auth", "access_token_ttl_seconds", &ServerConfig::auth,
          &AuthSection::access_token_ttl_seconds),
      Key("auth", "refresh_token_ttl_seconds", &ServerConfig::auth,
          &AuthSection::refresh_token_ttl_seconds),
      Key("auth", "min_password_length", &ServerConfig::auth, &AuthSection::min_password_length),
      Key("auth", "max_password_length", &ServerConfig::auth, &AuthSection::max_password_length),
      Key("auth", "enforce_password_complexity", &ServerConfig::auth,
          &AuthSection::enforce_password_complexity),
      Key("auth", "refuse_common_passwords", &ServerConfig::auth,
          &AuthSection::refuse_common_passwords),
      Key("auth", "argon2_memory_kib", &ServerConfig::auth, &AuthSection::argon2_memory_kib),
      Key("auth", "argon2_iterations", &ServerConfig::auth, &AuthSection::argon2_iterations),
      Key("auth", "max_failed_logins", &ServerConfig::auth, &AuthSection::max_failed_logins),
      Key("auth", "lockout_seconds", &ServerConfig::auth, &AuthSection::lockout_seconds),
      Key("auth", "max_failed_logins_per_address", &ServerConfig::auth,
          &AuthSection::max_failed_logins_per_address),
      Key("auth", "allow_remote_setup", &ServerConfig::auth, &AuthSection::allow_remote_setup),
      Key("users", "deletion_grace_period_days", &ServerConfig::users,
          &UsersSection::deletion_grace_period_days),
      Key("stream", "eviction_interval_ms", &ServerConfig::stream,
          &StreamSection::eviction_interval_ms),
      Key("stream", "eviction_batch_size", &ServerConfig::stream,
          &StreamSection::eviction_batch_size),
      Key("jobs", "max_concurrent", &ServerConfig::jobs, &JobsSection::max_concurrent),
      Key("jobs", "max_retries", &ServerConfig::jobs, &JobsSection::max_retries),
      Key("jobs", "retry_backoff_ms", &ServerConfig::jobs, &JobsSection::retry_backoff_ms),
      Key("jobs", "retention_days", &ServerConfig::jobs, &JobsSection::retention_days),
      Key("jobs", "cleanup_interval_seconds", &ServerConfig::jobs,
          &JobsSection::cleanup_interval_seconds),
      Key("websocket", "auth_timeout_ms", &ServerConfig::websocket,
          &WebSocketSection::auth_timeout_ms),
      Key("websocket", "heartbeat_interval_ms", &ServerConfig::websocket,
          &WebSocketSection::heartbeat_interval_ms),
      Key("websocket", "client_timeout_ms", &ServerConfig::websocket,
          &WebSocketSection::client_timeout_ms),
      Key("websocket", "max_message_bytes", &ServerConfig::websocket,
          &WebSocketSection::max_message_bytes),
      Key("websocket", "max_messages_per_second", &ServerConfig::websocket,
          &WebSocketSection::max_messages_per_second),
      Key("websocket", "max_subscriptions_per_connection", &ServerConfig::websocket,
          &WebSocketSection::max_subscriptions_per_connection),
      Key("websocket", "max_subscriptions_per_user", &ServerConfig::websocket,
          &WebSocketSection::max_subscriptions_per_user),
      Key("websocket", "max_queued_messages", &ServerConfig::websocket,
          &WebSocketSection::max_queued_messages),
      Key("websocket", "max_queued_bytes", &ServerConfig::websocket,
          &WebSocketSection::max_queued_bytes),
      Key("websocket", "default_batch_size", &ServerConfig::websocket,
          &WebSocketSection::default_batch_size),
      Key("websocket", "max_batch_size", &ServerConfig::websocket,
          &WebSocketSection::max_batch_size),
      Key("websocket", "allowed_origins", &ServerConfig::websocket,
          &WebSocketSection::allowed_origins),
      Key("websocket", "permessage_deflate", &ServerConfig::websocket,
          &WebSocketSection::permessage_deflate),
      Key("logging", "level", &ServerConfig::logging, &LoggingSection::level),
      Key("logging", "log_to_console", &ServerConfig::logging, &LoggingSection::log_to_console),
      Key("logging", "file", &ServerConfig::logging, &LoggingSection::file),
  };
  return keys;
}

// Short names kept from the original KalamDB; the canonical KALAMDB_<SECTION>_<KEY> wins
// when both are set.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kEnvAliases = {{
    {"KALAMDB_JWT_SECRET", "auth.jwt_secret"},
    {"KALAMDB_JWT_TRUSTED_ISSUERS", "auth.jwt_trusted_issuers"},
    {"KALAMDB_HOST", "server.host"},
    {"KALAMDB_PORT", "server.port"},
    {"KALAMDB_DATA_DIR", "server.data_dir"},
    {"KALAMDB_LOG_LEVEL", "logging.level"},
    {"KALAMDB_LOG_FILE", "logging.file"},
    {"KALAMDB_LOG_TO_CONSOLE", "logging.log_to_console"},
}};

std::string FullName(const KeySpec& key) {
  return std::string(key.section) + "." + std::string(key.name);
}

std::string EnvName(const KeySpec& key) {
  std::string name = "KALAMDB_" + FullName(key);
  for (char& c : name) {
    c = c == '.' ? '_' : static_cast<char>(std::toupper(c));
  }
  return name;
}

const KeySpec* FindKey(std::string_view full_name) {
  for (const KeySpec& key : Keys()) {
    if (FullName(key) == full_name) return &key;
  }
  return nullptr;
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "a string";
    case Kind::kInteger:
      return "an integer";
    case Kind::kBoolean:
      return "a boolean";
  }
  return "?";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

// "; did you mean 'x'?" for the closest candidate within a few edits, else "".
std::string Hint(std::string_view wrong, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 4;
  for (const std::string& candidate : candidates) {
    const size_t distance = EditDistance(wrong, candidate);
    if (distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best == nullptr ? "" : "; did you mean '" + *best + "'?";
}

std::vector<std::string> SectionNames() {
  std::vector<std::string> names;
  for (const KeySpec& key : Keys()) {
    if (std::find(names.begin(), names.end(), key.section) == names.end()) {
      names.emplace_back(key.section);
    }
  }
  return names;
}

std::vector<std::string> KeyNames() {
  std::vector<std::string> names;
  for (const KeySpec& key : Keys()) {
    names.push_back(FullName(key));
  }
  return names;
}

std::optional<Value> FromToml(const toml::node& node, Kind kind) {
  switch (kind) {
    case Kind::kString:
      if (const auto* s = node.as_string()) return Value(s->get());
      break;
    case Kind::kInteger:
      if (const auto* i = node.as_integer()) return Value(i->get());
      break;
    case Kind::kBoolean:
      if (const auto* b = node.as_boolean()) return Value(b->get());
      break;
  }
  return std::nullopt;
}

std::optional<Value> FromText(const std::string& text, Kind kind) {
  switch (kind) {
    case Kind::kString:
      return Value(text);
    case Kind::kInteger: {
      int64_t number = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (error != std::errc() || end != text.data() + text.size() || text.empty()) break;
      return Value(number);
    }
    case Kind::kBoolean: {
      std::string lower = text;
      for (char& c : lower) {
        c = static_cast<char>(std::tolower(c));
      }
      if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return Value(true);
      if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return Value(false);
      break;
    }
  }
  return std::nullopt;
}

std::string Location(const std::string& path, const toml::node& node) {
  return path + ":" + std::to_string(node.source().begin.line);
}

void ApplyFile(const std::string& path, ServerConfig& config, std::vector<std::string>& problems) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    problems.push_back(path + ":" + std::to_string(where.line) + ":" +
                       std::to_string(where.column) + ": " + std::string(e.description()));
    return;
  }
  for (const auto& [section_name, section_node] : root) {
    const std::string section(section_name.str());
    const auto* section_table = section_node.as_table();
    const std::vector<std::string> sections = SectionNames();
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      problems.push_back(Location(path, section_node) + ": unknown " +
                         (section_table ? "section [" + section + "]" : "key '" + section + "'") +
                         Hint(section, sections));
      continue;
    }
    if (section_table == nullptr) {
      problems.push_back(Location(path, section_node) + ": '" + section + "' must be a section");
      continue;
    }
    for (const auto& [key_name, value_node] : *section_table) {
      const std::string full_name = section + "." + std::string(key_name.str());
      const KeySpec* key = FindKey(full_name);
      if (key == nullptr) {
        problems.push_back(Location(path, value_node) + ": unknown key '" + full_name + "'" +
                           Hint(full_name, KeyNames()));
        continue;
      }
      const std::optional<Value> value = FromToml(value_node, key->kind);
      if (!value.has_value()) {
        problems.push_back(Location(path, value_node) + ": " + full_name + " must be " +
                           std::string(KindName(key->kind)));
        continue;
      }
      key->set(config, *value);
    }
  }
}

void ApplyText(const KeySpec& key, std::string_view source, const std::string& text,
               ServerConfig& config, std::vector<std::string>& problems) {
  const std::optional<Value> value = FromText(text, key.kind);
  if (!value.has_value()) {
    problems.push_back(std::string(source) + ": " + FullName(key) + " must be " +
                       std::string(KindName(key.kind)) + ", got '" + text + "'");
    return;
  }
  key.set(config, *value);
}

void ApplyEnvironment(const Environment& env, ServerConfig& config,
                      std::vector<std::string>& problems) {
  for (const auto& [alias, full_name] : kEnvAliases) {
    if (const auto it = env.find(alias); it != env.end()) {
      ApplyText(*FindKey(full_name), alias, it->second, config, problems);
    }
  }
  for (const KeySpec& key : Keys()) {
    const std::string name = EnvName(key);
    if (const auto it = env.find(name); it != env.end()) {
      ApplyText(key, name, it->second, config, problems);
    }
  }
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

void CheckRange(std::vector<std::string>& problems, std::string_view name, int64_t value,
                int64_t min, int64_t max) {
  if (value < min || value > max) {
    problems.push_back(std::string(name) + " must be between " + std::to_string(min) + " and " +
                       std::to_string(max) + ", got " + std::to_string(value));
  }
}

void CheckOneOf(std::vector<std::string>& problems, std::string_view name, const std::string& value,
                std::initializer_list<std::string_view> allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (const std::string_view option : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(option);
  }
  problems.push_back(std::string(name) + " must be one of " + list + ", got '" + value + "'");
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos || !text.starts_with("KALAMDB_")) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

std::vector<std::string> Validate(const ServerConfig& config) {
  std::vector<std::string> problems;
  const ServerSection& server = config.server;
  if (server.host != "localhost" && !IsIpLiteral(server.host)) {
    problems.push_back("server.host must be an IP address or 'localhost', got '" + server.host +
                       "'");
  }
  CheckRange(problems, "server.port", server.port, 0, 65535);
  const bool node_id_ok =
      !server.node_id.empty() && server.node_id.size() <= 64 &&
      std::all_of(server.node_id.begin(), server.node_id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
  if (!node_id_ok) {
    problems.push_back(
        "server.node_id must be 1-64 characters of A-Z, a-z, 0-9, '_', '-', '.', "
        "got '" +
        server.node_id + "'");
  }
  if (server.data_dir.empty()) problems.push_back("server.data_dir must not be empty");
  for (std::string_view proxy : SplitCommaList(server.trusted_proxies)) {
    const Result<IpNetwork> network = IpNetwork::Parse(proxy);
    if (!network.ok()) {
      problems.push_back("server.trusted_proxies: " + std::string(network.status().message()));
    }
  }
  CheckRange(problems, "server.workers", server.workers, 0, 1024);
  const StorageSection& storage = config.storage;
  CheckRange(problems, "storage.wal_sync_interval_ms", storage.wal_sync_interval_ms, 0, 60000);
  CheckRange(problems, "storage.write_buffer_mb", storage.write_buffer_mb, 1, 4096);
  CheckRange(problems, "storage.block_cache_mb", storage.block_cache_mb, 1, 1 << 20);
  CheckRange(problems, "storage.max_background_jobs", storage.max_background_jobs, 1, 64);
  CheckOneOf(problems, "storage.compression", storage.compression,
             {"none", "lz4", "zstd", "snappy"});
  const LimitsSection& limits = config.limits;
  CheckRange(problems, "limits.max_request_body_bytes", limits.max_request_body_bytes, 1024,
             int64_t{1} << 30);
  CheckRange(problems, "limits.max_header_bytes", limits.max_header_bytes, 1024, 1 << 20);
  CheckRange(problems, "limits.http_idle_timeout_seconds", limits.http_idle_timeout_seconds, 1,
             3600);
  CheckRange(problems, "limits.max_connections", limits.max_connections, 1, 1 << 20);
  CheckRange(problems, "limits.max_sql_length", limits.max_sql_length, 16, int64_t{1} << 30);
  CheckRange(problems, "limits.max_params", limits.max_params, 0, 1 << 20);
  CheckRange(problems, "limits.max_param_bytes", limits.max_param_bytes, 16, int64_t{1} << 30);
  CheckRange(problems, "limits.max_statements_per_batch", limits.max_statements_per_batch, 1,
             1 << 20);
  CheckRange(problems, "limits.queries_per_second_per_user", limits.queries_per_second_per_user, 0,
             int64_t{1} << 30);
  CheckRange(problems, "limits.max_connections_per_address", limits.max_connections_per_address, 1,
             1 << 20);
  CheckRange(problems, "limits.header_read_timeout_ms", limits.header_read_timeout_ms, 100,
             3600000);
  CheckRange(problems, "limits.body_read_timeout_ms", limits.body_read_timeout_ms, 100, 3600000);
  CheckRange(problems, "limits.statement_timeout_ms", limits.statement_timeout_ms, 10,
             int64_t{24} * 3600000);
  CheckRange(problems, "limits.max_concurrent_statements_per_user",
             limits.max_concurrent_statements_per_user, 0, 1 << 20);
  CheckRange(problems, "limits.max_rows_per_statement", limits.max_rows_per_statement, 1,
             int64_t{1} << 32);
  CheckRange(problems, "limits.max_result_bytes", limits.max_result_bytes, 1024, int64_t{1} << 40);
  CheckRange(problems, "limits.response_buffer_bytes", limits.response_buffer_bytes, 64 << 10,
             int64_t{1} << 32);
  const WebSocketSection& ws = config.websocket;
  const JobsSection& jobs_section = config.jobs;
  CheckRange(problems, "jobs.max_concurrent", jobs_section.max_concurrent, 1, 64);
  CheckRange(problems, "jobs.max_retries", jobs_section.max_retries, 0, 100);
  CheckRange(problems, "jobs.retry_backoff_ms", jobs_section.retry_backoff_ms, 1, 3600000);
  CheckRange(problems, "jobs.retention_days", jobs_section.retention_days, 1, 36500);
  CheckRange(problems, "jobs.cleanup_interval_seconds", jobs_section.cleanup_interval_seconds, 1,
             31 * 86400);
  CheckRange(problems, "users.deletion_grace_period_days", config.users.deletion_grace_period_days,
             0, 36500);
  CheckRange(problems, "stream.eviction_interval_ms", config.stream.eviction_interval_ms, 10,
             int64_t{24} * 3600000);
  CheckRange(problems, "stream.eviction_batch_size", config.stream.eviction_batch_size, 1, 1 << 24);
  CheckRange(problems, "websocket.auth_timeout_ms", ws.auth_timeout_ms, 10, 600000);
  CheckRange(problems, "websocket.heartbeat_interval_ms", ws.heartbeat_interval_ms, 10, 3600000);
  CheckRange(problems, "websocket.client_timeout_ms", ws.client_timeout_ms, 20, 3600000);
  CheckRange(problems, "websocket.max_message_bytes", ws.max_message_bytes, 256, 64 << 20);
  CheckRange(problems, "websocket.max_messages_per_second", ws.max_messages_per_second, 1, 1 << 20);
  CheckRange(problems, "websocket.max_subscriptions_per_connection",
             ws.max_subscriptions_per_connection, 1, 1 << 20);
  CheckRange(problems, "websocket.max_subscriptions_per_user", ws.max_subscriptions_per_user, 1,
             1 << 24);
  CheckRange(problems, "websocket.max_queued_messages", ws.max_queued_messages, 2, 1 << 24);
  CheckRange(problems, "websocket.max_queued_bytes", ws.max_queued_bytes, 4096, int64_t{1} << 32);
  CheckRange(problems, "websocket.default_batch_size", ws.default_batch_size, 1, ws.max_batch_size);
  CheckRange(problems, "websocket.max_batch_size", ws.max_batch_size, 1, 1 << 20);
  if (ws.client_timeout_ms <= ws.heartbeat_interval_ms) {
    problems.push_back("websocket.client_timeout_ms must be longer than heartbeat_interval_ms");
  }
  const AuthSection& auth = config.auth;
  if (!auth.jwt_secret.empty() && auth.jwt_secret.size() < 32) {
    problems.push_back("auth.jwt_secret must be at least 32 characters (or empty to generate one)");
  }
  if (auth.jwt_issuer.empty()) problems.push_back("auth.jwt_issuer must not be empty");
  CheckRange(problems, "auth.access_token_ttl_seconds", auth.access_token_ttl_seconds, 60,
             int64_t{1} << 31);
  CheckRange(problems, "auth.refresh_token_ttl_seconds", auth.refresh_token_ttl_seconds, 60,
             int64_t{1} << 31);
  CheckRange(problems, "auth.min_password_length", auth.min_password_length, 1, 1024);
  CheckRange(problems, "auth.max_password_length", auth.max_password_length,
             auth.min_password_length, 4096);
  CheckRange(problems, "auth.argon2_memory_kib", auth.argon2_memory_kib, 8, 4 << 20);
  CheckRange(problems, "auth.argon2_iterations", auth.argon2_iterations, 1, 100);
  CheckRange(problems, "auth.max_failed_logins", auth.max_failed_logins, 1, 1000);
  CheckRange(problems, "auth.lockout_seconds", auth.lockout_seconds, 1, 86400);
  CheckRange(problems, "auth.max_failed_logins_per_address", auth.max_failed_logins_per_address, 1,
             100000);
  const EngineSection& engine = config.engine;
  CheckRange(problems, "engine.threads", engine.threads, 1, 256);
  CheckRange(problems, "engine.memory_limit_mb", engine.memory_limit_mb, 64, int64_t{1} << 22);
  CheckRange(problems, "engine.query_workers", engine.query_workers, 0, 1024);
  CheckRange(problems, "engine.max_queued_requests", engine.max_queued_requests, 1, 1000000);
  CheckRange(problems, "engine.busy_threshold_ms", engine.busy_threshold_ms, 100, 3600000);
  if (!log::ParseLevel(config.logging.level).has_value()) {
    CheckOneOf(problems, "logging.level", config.logging.level,
               {"trace", "debug", "info", "warn", "error", "critical", "off"});
  }
  return problems;
}

Result<ServerConfig> LoadConfig(const std::optional<std::string>& path, const Environment& env,
                                const std::vector<FlagOverride>& flags) {
  ServerConfig config;
  std::vector<std::string> problems;
  if (path.has_value()) ApplyFile(*path, config, problems);
  ApplyEnvironment(env, config, problems);
  for (const FlagOverride& flag : flags) {
    const KeySpec* key = FindKey(flag.key);
    KALAM_CHECK(key != nullptr, "flag override of unknown key {}", flag.key);
    ApplyText(*key, "command line", flag.value, config, problems);
  }
  // Values that failed to parse kept their defaults, so validation still says something
  // true about every other key.
  for (std::string& problem : Validate(config)) {
    problems.emplace_back(std::move(problem));
  }
  if (problems.empty()) return config;
  std::string message = "invalid configuration:";
  for (const std::string& problem : problems) {
    message += "\n  " + problem;
  }
  return Status::InvalidArgument(std::move(message));
}

std::vector<std::pair<std::string, std::string>> ConfigKeysAndEnvVars() {
  std::vector<std::pair<std::string, std::string>> result;
  for (const KeySpec& key : Keys()) {
    result.emplace_back(FullName(key), EnvName(key));
  }
  return result;
}

}  // namespace kalam::config

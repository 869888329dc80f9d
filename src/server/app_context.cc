#include "server/app_context.h"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "api/auth_routes.h"
#include "api/health_routes.h"
#include "api/sql_routes.h"
#include "auth/jwt_secret.h"
#include "common/ip_address.h"
#include "common/log.h"

namespace kalam::server {

std::string_view ServerVersion() {
  return KALAM_VERSION;
}

namespace {

// Each connection is a file descriptor, and RocksDB keeps its files open too: raise the
// soft open-file limit (Debian's default is 1024) toward what max_connections needs, up
// to the hard limit. Failing that, accepts beyond the limit back off and retry.
void RaiseOpenFileLimit(int64_t max_connections) {
  constexpr rlim_t kReserve = 1024;  // storage files, logs, the listener
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = std::min(static_cast<rlim_t>(max_connections) + kReserve, limit.rlim_max);
  if (wanted <= limit.rlim_cur) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    KALAM_LOG_WARN("server", "cannot raise the open-file limit from {}", before);
    return;
  }
  KALAM_LOG_INFO("server", "open-file limit raised from={} to={}", before, wanted);
}

}  // namespace

AppContext::AppContext(config::ServerConfig config)
    : config_(std::move(config)),
      node_id_(config_.server.node_id),
      started_at_(std::chrono::steady_clock::now()),
      snowflake_(clock_, node_id_) {}

Result<std::unique_ptr<AppContext>> AppContext::Create(config::ServerConfig config) {
  // Paths recorded in the catalog (the 'local' storage) must not depend on the working
  // directory of a later start.
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(config.server.data_dir, error);
  if (error) {
    return Status::IOError("cannot resolve data directory " + config.server.data_dir + ": " +
                           error.message());
  }
  config.server.data_dir = absolute.lexically_normal().string();
  std::unique_ptr<AppContext> context(new AppContext(std::move(config)));
  const std::string& data_dir = context->config_.server.data_dir;
  KALAM_ASSIGN_OR_RETURN(context->lock_, DataDirLock::Acquire(data_dir));
  const std::string rocksdb_dir = (std::filesystem::path(data_dir) / "rocksdb").string();
  KALAM_ASSIGN_OR_RETURN(context->kv_store_,
                         storage::OpenRocksKvStore(rocksdb_dir, context->config_.storage));
  KALAM_RETURN_IF_ERROR(context->OpenQueryPath());
  api::AddHealthRoutes(
      context->router_,
      {.version = std::string(ServerVersion()),
       .node_id = context->node_id_,
       .started_at = context->started_at_,
       .workers = context->workers_.get(),
       .busy_threshold = std::chrono::milliseconds(context->config_.engine.busy_threshold_ms)});
  KALAM_RETURN_IF_ERROR(context->OpenAuth());
  KALAM_RETURN_IF_ERROR(context->OpenJobs());
  api::AddSqlRoutes(context->router_, *context->sql_routes_);
  api::AddAuthRoutes(context->router_, *context->auth_routes_);
  return context;
}

Status AppContext::OpenQueryPath() {
  const std::string storage_dir =
      (std::filesystem::path(config_.server.data_dir) / "storage").string();
  const auto catalog_started = std::chrono::steady_clock::now();
  KALAM_ASSIGN_OR_RETURN(
      catalog_, catalog::Catalog::Open(*kv_store_, clock_, {.default_storage_path = storage_dir}));
  system_tables_ = std::make_unique<engine::SystemTables>(
      *catalog_, engine::ServerInfo{node_id_.value(), std::string(ServerVersion()), started_at_});
  const config::EngineSection& engine = config_.engine;
  const size_t query_workers = QueryWorkers();
  KALAM_ASSIGN_OR_RETURN(engine_, engine::Engine::Open({.threads = engine.threads,
                                                        .memory_limit_mb = engine.memory_limit_mb,
                                                        .connections = query_workers,
                                                        .allowed_directory = storage_dir},
                                                       *system_tables_));
  const auto elapsed = std::chrono::steady_clock::now() - catalog_started;
  KALAM_LOG_INFO("server", "catalog and engine ready ms={:.1f}",
                 std::chrono::duration<double, std::milli>(elapsed).count());
  table_writer_ = std::make_unique<tables::TableWriter>(*kv_store_, snowflake_, change_bus_);
  executor_ = std::make_unique<sql::SqlExecutor>(*catalog_, *engine_, *system_tables_, clock_,
                                                 snowflake_, *table_writer_);
  workers_ =
      std::make_unique<WorkerPool>(query_workers, static_cast<size_t>(engine.max_queued_requests));
  const config::WebSocketSection& ws = config_.websocket;
  live_ = std::make_unique<live::LiveQueryManager>(
      live::LiveOptions{
          .max_subscriptions_per_connection =
              static_cast<size_t>(ws.max_subscriptions_per_connection),
          .max_subscriptions_per_user = static_cast<size_t>(ws.max_subscriptions_per_user),
          .default_batch_size = static_cast<size_t>(ws.default_batch_size),
          .max_batch_size = static_cast<size_t>(ws.max_batch_size),
          .max_queued_messages = static_cast<size_t>(ws.max_queued_messages),
          .max_queued_bytes = static_cast<size_t>(ws.max_queued_bytes),
          .node_id = node_id_.value()},
      change_bus_, *table_writer_, *executor_, clock_);
  executor_->SetLiveQueries(live_.get());
  system_tables_->SetLiveQueryRows([live = live_.get()] { return live->Rows(std::nullopt); });
  return Status();
}

Status AppContext::OpenJobs() {
  const config::JobsSection& j = config_.jobs;
  jobs_ = std::make_unique<jobs::JobManager>(
      jobs::JobManagerOptions{
          .max_concurrent = static_cast<size_t>(j.max_concurrent),
          .default_max_retries = static_cast<uint32_t>(j.max_retries),
          .retry_backoff = std::chrono::milliseconds(j.retry_backoff_ms),
          .node_id = node_id_.value(),
          .log_path = std::filesystem::path(config_.server.data_dir) / "logs" / "jobs.log"},
      *catalog_, clock_);
  jobs_->Register(std::make_unique<jobs::JobCleanupExecutor>(*jobs_, clock_));
  jobs_->Register(
      std::make_unique<jobs::StreamEvictionExecutor>(*catalog_, *table_writer_, clock_));
  jobs_->Register(std::make_unique<jobs::UserCleanupExecutor>(*catalog_, *table_writer_,
                                                              *authenticator_, clock_));
  // Scheduled only when there is work, so idle schedules leave no job records behind.
  jobs_->Schedule("user_cleanup", std::chrono::seconds(j.cleanup_interval_seconds),
                  {.type = jobs::JobType::kUserCleanup,
                   .parameters = {{"grace_period_days", config_.users.deletion_grace_period_days}}},
                  [this] {
                    const int64_t grace =
                        config_.users.deletion_grace_period_days * 24 * 3600 * 1000;
                    const auto due = jobs::UserCleanupExecutor::DroppedBefore(
                        *catalog_, clock_.NowMillis() - grace);
                    return !due.ok() || !due->empty();
                  });
  jobs_->Schedule("stream_eviction", std::chrono::milliseconds(config_.stream.eviction_interval_ms),
                  {.type = jobs::JobType::kStreamEviction,
                   .parameters = {{"batch_size", config_.stream.eviction_batch_size}}},
                  [catalog = catalog_.get()] {
                    const auto tables = jobs::StreamEvictionExecutor::StreamTables(*catalog);
                    return !tables.ok() || !tables->empty();
                  });
  jobs_->Schedule(
      "job_cleanup", std::chrono::seconds(j.cleanup_interval_seconds),
      {.type = jobs::JobType::kJobCleanup, .parameters = {{"retention_days", j.retention_days}}});
  KALAM_RETURN_IF_ERROR(jobs_->Start());
  executor_->SetJobs(jobs_.get());
  return Status();
}

Status AppContext::OpenAuth() {
  const config::AuthSection& a = config_.auth;
  KALAM_ASSIGN_OR_RETURN(const std::string secret,
                         auth::LoadOrCreateJwtSecret(a.jwt_secret, config_.server.data_dir));
  std::vector<std::string> trusted;
  for (size_t start = 0; start < a.jwt_trusted_issuers.size();) {
    size_t end = a.jwt_trusted_issuers.find(',', start);
    if (end == std::string::npos) end = a.jwt_trusted_issuers.size();
    std::string issuer = a.jwt_trusted_issuers.substr(start, end - start);
    std::erase(issuer, ' ');
    if (!issuer.empty()) trusted.push_back(std::move(issuer));
    start = end + 1;
  }
  jwt_ = std::make_unique<auth::JwtCodec>(secret, a.jwt_issuer, std::move(trusted),
                                          /*leeway_seconds=*/30);
  auth::AuthOptions options{
      .password_policy = {.min_length = static_cast<uint32_t>(a.min_password_length),
                          .max_length = static_cast<uint32_t>(a.max_password_length),
                          .require_complexity = a.enforce_password_complexity,
                          .refuse_common = a.refuse_common_passwords},
      .hash_cost = {.ops_limit = static_cast<uint64_t>(a.argon2_iterations),
                    .mem_limit_bytes = static_cast<size_t>(a.argon2_memory_kib) << 10},
      .access_token_ttl_seconds = a.access_token_ttl_seconds,
      .refresh_token_ttl_seconds = a.refresh_token_ttl_seconds,
      .max_failed_logins = static_cast<uint32_t>(a.max_failed_logins),
      .lockout_seconds = a.lockout_seconds,
      .max_failed_logins_per_address = static_cast<uint32_t>(a.max_failed_logins_per_address)};
  authenticator_ = std::make_unique<auth::Authenticator>(*catalog_, *jwt_, options, clock_);
  KALAM_RETURN_IF_ERROR(authenticator_->Load());
  executor_->SetUserDirectory(authenticator_.get());
  rate_limiter_ = std::make_unique<api::RateLimiter>(config_.limits.queries_per_second_per_user);
  statement_slots_ = std::make_unique<api::StatementSlots>(StatementsPerUser());
  KALAM_ASSIGN_OR_RETURN(std::vector<IpNetwork> trusted_proxies,
                         ParseIpNetworks(config_.server.trusted_proxies));
  const api::AuthSettings settings{.trusted_proxies = std::move(trusted_proxies),
                                   .allow_remote_setup = a.allow_remote_setup};
  const config::LimitsSection& l = config_.limits;
  sql_routes_ = std::make_unique<api::SqlRouteServices>(api::SqlRouteServices{
      .executor = *executor_,
      .workers = *workers_,
      .authenticator = *authenticator_,
      .rate_limiter = *rate_limiter_,
      .statement_slots = *statement_slots_,
      .auth_settings = settings,
      .limits = {.max_sql_length = static_cast<size_t>(l.max_sql_length),
                 .max_params = static_cast<size_t>(l.max_params),
                 .max_param_bytes = static_cast<size_t>(l.max_param_bytes),
                 .max_statements_per_batch = static_cast<size_t>(l.max_statements_per_batch),
                 .statement_timeout = std::chrono::milliseconds(l.statement_timeout_ms),
                 .max_rows_per_statement = static_cast<size_t>(l.max_rows_per_statement),
                 .max_result_bytes = static_cast<size_t>(l.max_result_bytes)}});
  const config::WebSocketSection& ws = config_.websocket;
  std::vector<std::string> origins;
  for (size_t start = 0; start < ws.allowed_origins.size();) {
    size_t end = ws.allowed_origins.find(',', start);
    if (end == std::string::npos) end = ws.allowed_origins.size();
    std::string origin = ws.allowed_origins.substr(start, end - start);
    std::erase(origin, ' ');
    if (!origin.empty()) origins.push_back(std::move(origin));
    start = end + 1;
  }
  websocket_ = std::make_unique<api::WebSocketServices>(api::WebSocketServices{
      .live = *live_,
      .authenticator = *authenticator_,
      .audit_log = *executor_,
      .workers = *workers_,
      .auth_settings = settings,
      .options = {.auth_timeout = std::chrono::milliseconds(ws.auth_timeout_ms),
                  .heartbeat_interval = std::chrono::milliseconds(ws.heartbeat_interval_ms),
                  .client_timeout = std::chrono::milliseconds(ws.client_timeout_ms),
                  .max_message_bytes = static_cast<size_t>(ws.max_message_bytes),
                  .max_messages_per_second = static_cast<uint32_t>(ws.max_messages_per_second),
                  .allowed_origins = std::move(origins),
                  .permessage_deflate = ws.permessage_deflate}});
  auth_routes_ = std::make_unique<api::AuthRouteServices>(
      api::AuthRouteServices{.authenticator = *authenticator_,
                             .workers = *workers_,
                             .executor = *executor_,
                             .settings = settings});
  return Status();
}

size_t AppContext::QueryWorkers() const {
  const int64_t configured = config_.engine.query_workers;
  return configured > 0 ? static_cast<size_t>(configured)
                        : 2 * std::max(1u, std::thread::hardware_concurrency());
}

size_t AppContext::StatementsPerUser() const {
  const int64_t configured = config_.limits.max_concurrent_statements_per_user;
  return configured > 0 ? static_cast<size_t>(configured) : std::max<size_t>(QueryWorkers() / 2, 1);
}

AppContext::~AppContext() {
  Stop();
}

Status AppContext::Start() {
  const config::ServerConfig& c = config_;
  api::HttpServerOptions options{
      .host = c.server.host,
      .port = static_cast<uint16_t>(c.server.port),
      .threads = static_cast<size_t>(c.server.workers),
      .max_body_bytes = static_cast<uint64_t>(c.limits.max_request_body_bytes),
      .max_header_bytes = static_cast<uint32_t>(c.limits.max_header_bytes),
      .idle_timeout = std::chrono::seconds(c.limits.http_idle_timeout_seconds),
      .header_read_timeout = std::chrono::milliseconds(c.limits.header_read_timeout_ms),
      .body_read_timeout = std::chrono::milliseconds(c.limits.body_read_timeout_ms),
      .max_connections = static_cast<size_t>(c.limits.max_connections),
      .max_connections_per_address = static_cast<size_t>(c.limits.max_connections_per_address),
      .response_buffer_bytes = static_cast<size_t>(c.limits.response_buffer_bytes),
      .server_name = "kalamdb/" + std::string(ServerVersion()),
  };
  RaiseOpenFileLimit(c.limits.max_connections);
  KALAM_ASSIGN_OR_RETURN(http_server_, api::HttpServer::Start(options, router_, websocket_.get()));
  live_->SetWebSocketUrl("ws://" + c.server.host + ":" + std::to_string(http_server_->port()) +
                         "/v1/ws");
  return Status();
}

void AppContext::Stop() {
  // Reverse of start order: stop taking requests, then close storage, then unlock.
  if (http_server_ != nullptr) http_server_->Stop();
  if (workers_ != nullptr) workers_->Stop();  // no SQL runs after this
  if (executor_ != nullptr) executor_->SetLiveQueries(nullptr);
  if (executor_ != nullptr) executor_->SetJobs(nullptr);
  jobs_.reset();  // stops its workers: no job writes after this
  live_.reset();
  engine_.reset();
  table_writer_.reset();
  catalog_.reset();
  if (kv_store_ != nullptr) kv_store_->Stop();
  lock_.reset();
}

}  // namespace kalam::server

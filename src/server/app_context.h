#pragma once

#include <chrono>
#include <memory>

#include "api/auth_routes.h"
#include "api/http_server.h"
#include "api/router.h"
#include "api/sql_routes.h"
#include "auth/authenticator.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/snowflake.h"
#include "common/worker_pool.h"
#include "config/server_config.h"
#include "engine/engine.h"
#include "engine/system_tables.h"
#include "jobs/executors.h"
#include "jobs/job_manager.h"
#include "live/live_query_manager.h"
#include "server/data_dir_lock.h"
#include "sql/executor.h"
#include "storage/kv_store.h"
#include "tables/change_bus.h"
#include "tables/table_writer.h"

namespace kalam::server {

// The composition root: created once in main, owns every component and the process's one
// NodeId, and is passed by reference (never a global). Members are declared in start
// order; Stop() runs in reverse order and is idempotent, as is the destructor.
//
// Lifecycle: Create() opens resources (lock, storage); Start() begins serving; Stop().
class AppContext {
 public:
  static Result<std::unique_ptr<AppContext>> Create(config::ServerConfig config);
  ~AppContext();
  AppContext(const AppContext&) = delete;
  AppContext& operator=(const AppContext&) = delete;

  // Starts the HTTP listener. kUnavailable if the address cannot be bound.
  Status Start();
  void Stop();

  const NodeId& node_id() const { return node_id_; }
  const config::ServerConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  storage::KvStore& kv_store() { return *kv_store_; }
  catalog::Catalog& catalog() { return *catalog_; }
  SnowflakeGenerator& snowflake() { return snowflake_; }
  // The bound HTTP port. REQUIRES: Start() succeeded.
  uint16_t http_port() const { return http_server_->port(); }

 private:
  explicit AppContext(config::ServerConfig config);
  Status OpenQueryPath();            // catalog, system tables, engine, executor, workers
  Status OpenJobs();                 // the job manager, its executors and schedules
  Status OpenAuth();                 // JWT secret, authenticator, route services
  size_t QueryWorkers() const;       // [engine] query_workers; 0 = 2 × cores
  size_t StatementsPerUser() const;  // max_concurrent_statements_per_user; 0 = half the workers

  const config::ServerConfig config_;
  const NodeId node_id_;  // read once from config; the only NodeId of the process
  const std::chrono::steady_clock::time_point started_at_;
  SystemClock clock_;
  SnowflakeGenerator snowflake_;
  std::unique_ptr<DataDirLock> lock_;
  std::unique_ptr<storage::KvStore> kv_store_;
  std::unique_ptr<catalog::Catalog> catalog_;
  tables::ChangeBus change_bus_;  // live queries subscribe here
  std::unique_ptr<tables::TableWriter> table_writer_;
  std::unique_ptr<engine::SystemTables> system_tables_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<sql::SqlExecutor> executor_;
  std::unique_ptr<live::LiveQueryManager> live_;  // subscribes to change_bus_
  std::unique_ptr<jobs::JobManager> jobs_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<auth::JwtCodec> jwt_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<api::RateLimiter> rate_limiter_;
  std::unique_ptr<api::StatementSlots> statement_slots_;
  std::unique_ptr<api::SqlRouteServices> sql_routes_;
  std::unique_ptr<api::AuthRouteServices> auth_routes_;
  std::unique_ptr<api::WebSocketServices> websocket_;
  api::Router router_;
  std::unique_ptr<api::HttpServer> http_server_;
};

// The version of this build, e.g. "0.1.0".
std::string_view ServerVersion();

}  // namespace kalam::server

#pragma once

#include <chrono>
#include <string_view>

#include "api/rate_limiter.h"
#include "api/request_auth.h"
#include "api/router.h"
#include "api/statement_slots.h"
#include "auth/authenticator.h"
#include "common/worker_pool.h"
#include "sql/executor.h"

namespace kalam::api {

// Per-request limits of [limits].
struct SqlLimits {
  size_t max_sql_length = 1 << 20;
  size_t max_params = 1000;
  size_t max_param_bytes = 1 << 20;
  size_t max_statements_per_batch = 100;
  std::chrono::milliseconds statement_timeout{30000};  // per statement; 0 = none
  size_t max_rows_per_statement = 100000;              // rows one INSERT/UPDATE/DELETE writes
  size_t max_result_bytes = 64 << 20;                  // encoded rows per request
};

struct SqlRouteServices {
  sql::SqlExecutor& executor;
  WorkerPool& workers;
  auth::Authenticator& authenticator;
  RateLimiter& rate_limiter;
  StatementSlots& statement_slots;  // max_concurrent_statements_per_user
  AuthSettings auth_settings;
  SqlLimits limits;
};

// POST /v1/api/sql: {"sql": "...", "params": [...]?, "namespace_id": "..."?}. The request is
// authenticated (Basic or Bearer), rate-limited per user, held to the user's share of
// concurrent statements (429 TOO_MANY_CONCURRENT_STATEMENTS beyond it, from the start of the
// batch to the end of its response) and run on the worker pool, never on a network thread, as
// the authenticated user. Each statement has a deadline and stops when the client hangs up.
void AddSqlRoutes(Router& router, SqlRouteServices& services);

}  // namespace kalam::api

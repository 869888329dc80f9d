#pragma once

#include <string_view>

#include "api/rate_limiter.h"
#include "api/request_auth.h"
#include "api/router.h"
#include "api/worker_pool.h"
#include "auth/authenticator.h"
#include "sql/executor.h"

namespace kalam::api {

// Per-request limits of [limits] (DESIGN.md §10).
struct SqlLimits {
  size_t max_sql_length = 1 << 20;
  size_t max_params = 1000;
  size_t max_param_bytes = 1 << 20;
  size_t max_statements_per_batch = 100;
};

struct SqlRouteServices {
  sql::SqlExecutor& executor;
  WorkerPool& workers;
  auth::Authenticator& authenticator;
  RateLimiter& rate_limiter;
  AuthSettings auth_settings;
  SqlLimits limits;
};

// POST /v1/api/sql: {"sql": "...", "params": [...]?, "namespace_id": "..."?}. The request is
// authenticated (Basic or Bearer), rate-limited per user and run on the worker pool, never
// on a network thread, as the authenticated user.
void AddSqlRoutes(Router& router, SqlRouteServices& services);

}  // namespace kalam::api

#pragma once

#include "api/router.h"
#include "api/worker_pool.h"
#include "sql/executor.h"

namespace kalam::api {

// POST /v1/api/sql: {"sql": "...", "params": [...]?, "namespace_id": "..."?}. The batch
// runs on `workers`, never on a network thread. Until the authentication issue lands,
// requests run as root and are accepted from loopback peers only.
void AddSqlRoutes(Router& router, sql::SqlExecutor& executor, WorkerPool& workers);

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses.
bool IsLoopback(std::string_view address);

}  // namespace kalam::api

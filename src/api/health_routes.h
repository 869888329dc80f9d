#pragma once

#include <chrono>
#include <string>

#include "api/router.h"
#include "common/ids.h"
#include "common/worker_pool.h"

namespace kalam::api {

struct HealthInfo {
  std::string version;  // server version, e.g. "0.1.0"
  NodeId node_id;
  std::chrono::steady_clock::time_point started_at;
  const WorkerPool* workers = nullptr;         // nullptr: never degraded
  std::chrono::milliseconds busy_threshold{};  // [engine] busy_threshold_ms
};

// GET /v1/api/healthcheck (no authentication):
// {"status":"healthy","version","api_version":"v1","node_id","uptime_seconds"}. When every
// query worker has been busy with one request for longer than busy_threshold the status is
// "degraded" with HTTP 503, so a load balancer stops sending work to a pinned node.
void AddHealthRoutes(Router& router, const HealthInfo& info);

}  // namespace kalam::api

#pragma once

#include <chrono>
#include <string>

#include "api/router.h"
#include "common/ids.h"

namespace kalam::api {

struct HealthInfo {
  std::string version;  // server version, e.g. "0.1.0"
  NodeId node_id;
  std::chrono::steady_clock::time_point started_at;
};

// GET /v1/api/healthcheck (no authentication):
// {"status":"healthy","version","api_version":"v1","node_id","uptime_seconds"}
void AddHealthRoutes(Router& router, const HealthInfo& info);

}  // namespace kalam::api

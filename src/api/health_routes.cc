#include "api/health_routes.h"

#include <boost/json.hpp>

namespace kalam::api {

void AddHealthRoutes(Router& router, const HealthInfo& info) {
  router.Add("GET", "/v1/api/healthcheck", [info](HttpRequest&&, const Responder& respond) {
    const auto uptime = std::chrono::steady_clock::now() - info.started_at;
    const bool degraded = info.workers != nullptr && info.workers->AllBusyFor(info.busy_threshold);
    boost::json::object body;
    body["status"] = degraded ? "degraded" : "healthy";
    body["version"] = info.version;
    body["api_version"] = "v1";
    body["node_id"] = info.node_id.value();
    body["uptime_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(uptime).count();
    respond({.status = degraded ? 503 : 200, .body = boost::json::serialize(body)});
  });
}

}  // namespace kalam::api

#pragma once

#include "api/request_auth.h"
#include "api/router.h"
#include "auth/authenticator.h"
#include "common/worker_pool.h"
#include "sql/executor.h"

namespace kalam::api {

struct AuthRouteServices {
  auth::Authenticator& authenticator;
  WorkerPool& workers;
  sql::SqlExecutor& executor;  // for audit entries
  AuthSettings settings;
};

// /v1/api/auth/login, /refresh, /logout, /me, /password (own password, proving the current
// one), /setup (first run) and /status (no auth).
// Anything that checks a password runs on `workers`. Logins are audited, success and
// failure, without the password.
void AddAuthRoutes(Router& router, AuthRouteServices& services);

}  // namespace kalam::api

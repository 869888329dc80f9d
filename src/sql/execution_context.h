#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "common/ids.h"
#include "common/stop_signal.h"
#include "common/value.h"

namespace kalam::sql {

// Who runs a statement and where. Built by the API per request from the authenticated
// principal; `default_namespace` changes with USE for the rest of the batch. The defaults
// are least privilege: no user (the executor refuses to run anything) and role user.
struct ExecutionContext {
  // The caller who asked for an impersonated statement; the fields below are then the
  // subject's.
  struct Impersonator {
    UserId user_id;
    std::string username;
  };

  UserId user_id{""};
  std::string username;
  catalog::Role role = catalog::Role::kUser;
  std::optional<Impersonator> impersonator;
  std::string default_namespace = "default";  // unqualified names resolve here
  std::string request_id;
  std::string client_ip;
  int64_t started_at_millis = 0;  // when the request arrived (Unix ms), one value per batch
  std::vector<Value> parameters;  // $1, $2, … of a single-statement request

  // [limits] of the request. SqlExecutor::Execute starts `stop` for each statement from the
  // timeout and the client's hang-up flag; every query the statement runs obeys it.
  std::chrono::milliseconds statement_timeout{30000};    // 0 = none
  std::shared_ptr<const std::atomic<bool>> client_gone;  // nullptr: nobody hangs up
  size_t max_rows_per_statement = 100000;                // rows one INSERT/UPDATE/DELETE may write
  StopSignal stop;
  // The request carried the caller's password (Basic), not just a token: required to
  // change one's own password, so a stolen token cannot lock its owner out.
  bool proved_password = false;
  // Whether "table not found" errors suggest a near name (TableNotFound). Off inside a view
  // body checked where the message is never shown (listings, checking a suggestion): a
  // view that reads the missing table would otherwise be checked again within its own check.
  bool suggest_names = true;
};

}  // namespace kalam::sql

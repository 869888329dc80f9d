#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "common/ids.h"
#include "common/value.h"

namespace kalam::sql {

// Who runs a statement and where. Built by the API per request; `default_namespace`
// changes with USE for the rest of the batch.
struct ExecutionContext {
  UserId user_id{"root"};
  std::string username = "root";
  catalog::Role role = catalog::Role::kSystem;
  std::string default_namespace = "default";  // unqualified names resolve here
  std::string request_id;
  std::string client_ip;
  int64_t started_at_millis = 0;  // when the request arrived (Unix ms), one value per batch
  std::vector<Value> parameters;  // $1, $2, … of a single-statement request
};

}  // namespace kalam::sql

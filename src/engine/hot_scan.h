#pragma once

// Internal to engine/: kalam_scan('<ns>.<table>', include_deleted), the table function that
// reads one table's hot rows for the scope bound to the calling DuckDB connection.
#include <map>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "duckdb.h"
#include "storage/kv_store.h"

namespace kalam::engine {

// Who a pooled connection is running a query for. Set by Engine::Query before the query
// and cleared after; user SQL cannot change it (it is not a DuckDB setting or variable).
class ConnectionScopes {
 public:
  void Set(idx_t connection_id, std::string user_id) KALAM_EXCLUDES(mu_);
  void Clear(idx_t connection_id) KALAM_EXCLUDES(mu_);
  std::optional<std::string> Get(idx_t connection_id) const KALAM_EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::map<idx_t, std::string> user_by_connection_ KALAM_GUARDED_BY(mu_);
};

struct ScanSources {
  catalog::Catalog& catalog;
  storage::KvStore& kv;
  const Clock& clock;
  ConnectionScopes& scopes;
};

// Registers kalam_scan on `connection` (and so on the whole database).
Status RegisterHotScan(duckdb_connection connection, ScanSources* sources);

// The DuckDB type of a column type (the caller destroys it).
duckdb_logical_type LogicalTypeOf(const catalog::DataType& type);

}  // namespace kalam::engine

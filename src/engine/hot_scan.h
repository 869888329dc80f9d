#pragma once

// Internal to engine/: kalam_scan(<handle>), the table function that streams the scan
// registered under <handle> in the StatementReads of the calling DuckDB connection.
#include <map>

#include "catalog/types.h"
#include "common/mutex.h"
#include "duckdb.h"
#include "engine/statement_reads.h"

namespace kalam::engine {

// The statement a pooled connection is running. Set by Engine::Query before the query and
// cleared after; user SQL cannot change it (it is not a DuckDB setting or variable).
class ConnectionReads {
 public:
  void Set(idx_t connection_id, const StatementReads* reads) KALAM_EXCLUDES(mu_);
  void Clear(idx_t connection_id) KALAM_EXCLUDES(mu_);
  const StatementReads* Get(idx_t connection_id) const KALAM_EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::map<idx_t, const StatementReads*> reads_by_connection_ KALAM_GUARDED_BY(mu_);
};

// The StatementReads of the connection binding a table function, or null outside
// Engine::Query.
const StatementReads* CallerReads(duckdb_bind_info info, const ConnectionReads& reads);

// Registers kalam_scan on `connection` (and so on the whole database). `reads` is its extra
// info and must live as long as the database.
Status RegisterHotScan(duckdb_connection connection, ConnectionReads* reads);

// The DuckDB type of a column type (the caller destroys it).
duckdb_logical_type LogicalTypeOf(const catalog::DataType& type);

}  // namespace kalam::engine

#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/stop_signal.h"
#include "common/value.h"
#include "engine/statement_reads.h"
#include "engine/system_tables.h"

namespace kalam::engine {

struct EngineOptions {
  int64_t threads = 2;             // DuckDB worker threads
  int64_t memory_limit_mb = 1024;  // DuckDB memory limit
  size_t connections = 8;          // pooled DuckDB connections
  std::string allowed_directory;   // the only directory SQL may read/write (cold storage)
};

// The only user of DuckDB's C API: an in-memory database locked down at open (no
// extension installs or autoloads, explicit threads and memory, file access limited to
// `allowed_directory`, configuration locked), a pool of connections, and the table
// functions kalam_system('<schema>.<table>') (SystemTables; information_schema lists what
// the running statement's caller may read, StatementReads::may_read) and kalam_scan(<handle>)
// (a scan of the running statement's StatementReads; see hot_scan.h).
//
// Queries given to Query() must come from RewriteSelect(): user SQL never reaches DuckDB
// unrewritten. Thread-safety: all methods may be called concurrently.
class Engine {
 public:
  // `system_tables` must outlive the engine.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options,
                                              const SystemTables& system_tables);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs `sql` and streams its result to `sink`. DuckDB errors become kInvalidArgument
  // (parse/bind/conversion), kPermissionDenied, kResourceExhausted (memory) or kInternal.
  // `reads` holds the scans `kalam_scan(<handle>)` in `sql` refers to and the one view they
  // all read; it must outlive the call. `params` bind $1, $2, …
  // as values (never spliced into the SQL text). DuckDB is interrupted once `stop` fires:
  // kDeadlineExceeded past its deadline, kUnavailable once cancelled; the connection is then
  // free for the next query. A sink that stops (ResultSink::Stopped) ends it with its status.
  Status Query(const std::string& sql, const StatementReads& reads, std::span<const Value> params,
               const StopSignal& stop, ResultSink& sink);

  // Binds `sql` without running it (checks names, types and columns).
  Status Validate(const std::string& sql);

  // The columns `sql` returns (names and result type names: BIGINT, TEXT, …), bound
  // without running it. kInvalidArgument if it does not bind, or if a column has a type the
  // API cannot return.
  Result<std::vector<ResultColumn>> Describe(const std::string& sql);

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kalam::engine

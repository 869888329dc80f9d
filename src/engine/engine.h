#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/value.h"
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
// function kalam_system('<schema>.<table>') that serves SystemTables.
//
// Queries given to Query() must come from RewriteSelect(): user SQL never reaches DuckDB
// unrewritten. Thread-safety: all methods may be called concurrently.
class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options,
                                              const SystemTables& system_tables);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs `sql` and streams its result to `sink`. DuckDB errors become kInvalidArgument
  // (parse/bind/conversion), kPermissionDenied, kResourceExhausted (memory) or kInternal.
  Status Query(const std::string& sql, ResultSink& sink);

  // Binds `sql` without running it (checks names, types and columns).
  Status Validate(const std::string& sql);

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kalam::engine

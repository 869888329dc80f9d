// The only file that includes duckdb.h (the C API).
#include "engine/engine.h"

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <vector>

#include "common/log.h"
#include "common/mutex.h"
#include "duckdb.h"
#include "engine/duckdb_errors.h"
#include "engine/hot_scan.h"
#include "engine/parameter_value.h"
#include "engine/result_reader.h"
#include "engine/statement_watchdog.h"

namespace kalam::engine {
namespace {

// Owns a duckdb_result; DuckDB requires destroying it even after a failed query.
class QueryResult {
 public:
  QueryResult() = default;
  ~QueryResult() { duckdb_destroy_result(&result_); }
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  duckdb_result* get() { return &result_; }

 private:
  duckdb_result result_{};
};

Status RunAdmin(duckdb_connection connection, const std::string& sql) {
  QueryResult result;
  if (duckdb_query(connection, sql.c_str(), result.get()) == DuckDBError) {
    return Status::Internal("engine setup failed: " + sql + ": " +
                            duckdb_result_error(result.get()));
  }
  return Status();
}

std::string DuckDbTypeOf(const std::string& our_type) {
  if (our_type == "TEXT") return "VARCHAR";
  if (our_type == "INT") return "INTEGER";
  return our_type;  // BIGINT, BOOLEAN, TIMESTAMP, DOUBLE
}

// ---- kalam_system(name): rows of a SystemTableDef ----

// kalam_system's extra info: the tables it serves, and the statements running on each
// connection (whose callers information_schema lists for).
struct SystemSources {
  const SystemTables* tables = nullptr;
  const ConnectionReads* reads = nullptr;
};

// A bound kalam_system: the table, and what the running statement's caller may read.
struct SystemBindData {
  const SystemTableDef* def = nullptr;
  MayRead may_read;
};

struct SystemScan {
  SystemRows rows;
  size_t next = 0;
};

void SystemBind(duckdb_bind_info info) {
  const auto* sources = static_cast<const SystemSources*>(duckdb_bind_get_extra_info(info));
  const SystemTables* tables = sources->tables;
  duckdb_value parameter = duckdb_bind_get_parameter(info, 0);
  char* text = duckdb_get_varchar(parameter);
  const std::string name = text != nullptr ? text : "";
  duckdb_free(text);
  duckdb_destroy_value(&parameter);
  const size_t dot = name.find('.');
  const SystemTableDef* def =
      dot == std::string::npos ? nullptr : tables->Find(name.substr(0, dot), name.substr(dot + 1));
  if (def == nullptr) {
    duckdb_bind_set_error(info, ("unknown system table " + name).c_str());
    return;
  }
  for (const ResultColumn& column : def->columns) {
    duckdb_logical_type type = LogicalTypeFromName(DuckDbTypeOf(column.data_type));
    duckdb_bind_add_result_column(info, column.name.c_str(), type);
    duckdb_destroy_logical_type(&type);
  }
  // Outside Engine::Query (Validate, Describe) nothing runs, and nothing may be read.
  const StatementReads* reads = CallerReads(info, *sources->reads);
  auto* bind = new SystemBindData{def, reads != nullptr ? reads->may_read() : MayRead()};
  duckdb_bind_set_bind_data(info, bind,
                            [](void* data) { delete static_cast<SystemBindData*>(data); });
}

void SystemInit(duckdb_init_info info) {
  const auto* bind = static_cast<const SystemBindData*>(duckdb_init_get_bind_data(info));
  Result<SystemRows> rows = bind->def->rows(bind->may_read);
  if (!rows.ok()) {
    duckdb_init_set_error(info, std::string(rows.status().message()).c_str());
    return;
  }
  auto* scan = new SystemScan{std::move(rows).value(), 0};
  duckdb_init_set_init_data(info, scan, [](void* data) { delete static_cast<SystemScan*>(data); });
}

void SystemFunction(duckdb_function_info info, duckdb_data_chunk output) {
  auto* scan = static_cast<SystemScan*>(duckdb_function_get_init_data(info));
  const idx_t capacity = duckdb_vector_size();
  idx_t count = 0;
  for (; count < capacity && scan->next < scan->rows.size(); ++count, ++scan->next) {
    const std::vector<Value>& row = scan->rows[scan->next];
    for (idx_t column = 0; column < row.size(); ++column) {
      WriteCell(duckdb_data_chunk_get_vector(output, column), count, row[column]);
    }
  }
  duckdb_data_chunk_set_size(output, count);
}

Status RegisterSystemFunction(duckdb_connection connection, SystemSources* sources) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, "kalam_system");
  duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_table_function_add_parameter(function, varchar);
  duckdb_destroy_logical_type(&varchar);
  duckdb_table_function_set_extra_info(function, sources, nullptr);
  duckdb_table_function_set_bind(function, SystemBind);
  duckdb_table_function_set_init(function, SystemInit);
  duckdb_table_function_set_function(function, SystemFunction);
  const duckdb_state state = duckdb_register_table_function(connection, function);
  duckdb_destroy_table_function(&function);
  return state == DuckDBSuccess ? Status() : Status::Internal("cannot register kalam_system");
}

}  // namespace

struct PooledConnection {
  duckdb_connection connection = nullptr;
  idx_t id = 0;  // DuckDB's connection id, the key of ConnectionReads
};

struct Engine::Impl {
  ConnectionReads reads;         // kalam_scan's extra info: lives as long as the database
  SystemSources system_sources;  // kalam_system's extra info, likewise
  StatementWatchdog watchdog;
  duckdb_database database = nullptr;
  Mutex mu;
  std::condition_variable_any available;
  std::vector<duckdb_connection> all;
  std::vector<PooledConnection> idle KALAM_GUARDED_BY(mu);

  ~Impl() {
    for (duckdb_connection& connection : all)
      duckdb_disconnect(&connection);
    if (database != nullptr) duckdb_close(&database);
  }

  // Waits for an idle connection until the statement must stop.
  Result<PooledConnection> Acquire(const StopSignal& stop) KALAM_EXCLUDES(mu) {
    std::unique_lock<Mutex> lock(mu);
    const auto has_idle = [this]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return !idle.empty(); };
    const auto until =
        std::min(stop.deadline, StopSignal::SteadyClock::now() + std::chrono::hours(1));
    while (!available.wait_until(lock, until, has_idle)) {
      KALAM_RETURN_IF_ERROR(stop.Check());
    }
    PooledConnection connection = idle.back();
    idle.pop_back();
    return connection;
  }
  void Release(PooledConnection connection) KALAM_EXCLUDES(mu) {
    {
      MutexLock lock(mu);
      idle.push_back(connection);
    }
    available.notify_one();
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options,
                                             const SystemTables& system_tables) {
  auto impl = std::make_unique<Impl>();
  duckdb_config config = nullptr;
  duckdb_create_config(&config);
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  duckdb_set_config(config, "autoload_known_extensions", "false");
  duckdb_set_config(config, "threads", std::to_string(options.threads).c_str());
  duckdb_set_config(config, "memory_limit",
                    (std::to_string(options.memory_limit_mb) + "MB").c_str());
  char* error = nullptr;
  const duckdb_state opened = duckdb_open_ext(nullptr, &impl->database, config, &error);
  duckdb_destroy_config(&config);
  if (opened == DuckDBError) {
    const std::string message = error != nullptr ? error : "unknown error";
    duckdb_free(error);
    return Status::Internal("cannot open DuckDB: " + message);
  }
  duckdb_connection admin = nullptr;
  if (duckdb_connect(impl->database, &admin) == DuckDBError) {
    return Status::Internal("cannot connect to DuckDB");
  }
  impl->all.push_back(admin);
  impl->system_sources = {&system_tables, &impl->reads};
  KALAM_RETURN_IF_ERROR(RegisterSystemFunction(admin, &impl->system_sources));
  KALAM_RETURN_IF_ERROR(RegisterHotScan(admin, &impl->reads));
  // The lockdown, in the order DuckDB requires.
  std::error_code ignored;
  std::filesystem::create_directories(options.allowed_directory, ignored);
  std::string directory = options.allowed_directory;
  if (!directory.ends_with('/')) directory += '/';
  KALAM_RETURN_IF_ERROR(RunAdmin(admin, "SET allowed_directories = ['" + directory + "']"));
  KALAM_RETURN_IF_ERROR(RunAdmin(admin, "SET enable_external_access = false"));
  KALAM_RETURN_IF_ERROR(RunAdmin(admin, "SET lock_configuration = true"));
  for (size_t i = 0; i < std::max<size_t>(options.connections, 1); ++i) {
    duckdb_connection connection = nullptr;
    if (duckdb_connect(impl->database, &connection) == DuckDBError) {
      return Status::Internal("cannot connect to DuckDB");
    }
    impl->all.push_back(connection);
    duckdb_client_context context = nullptr;
    duckdb_connection_get_client_context(connection, &context);
    const idx_t id = duckdb_client_context_get_connection_id(context);
    duckdb_destroy_client_context(&context);
    MutexLock lock(impl->mu);
    impl->idle.push_back({connection, id});
  }
  KALAM_LOG_INFO("engine", "duckdb opened version={} threads={} memory_limit_mb={}",
                 duckdb_library_version(), options.threads, options.memory_limit_mb);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

namespace {

// Prepares `sql`, binds `params` and starts it as a streaming result. The prepare state is checked
// before anything else is asked of the statement.
Status RunPrepared(duckdb_connection connection, const std::string& sql,
                   std::span<const Value> params, const StopSignal& stop, duckdb_result* result) {
  duckdb_prepared_statement prepared = nullptr;
  Status status;
  if (duckdb_prepare(connection, sql.c_str(), &prepared) == DuckDBError) {
    const char* error = duckdb_prepare_error(prepared);
    status = StatusFromDuckDbMessage(error != nullptr ? error : "invalid query");
  } else if (duckdb_nparams(prepared) > params.size()) {
    status = Status::InvalidArgument("the query uses $" + std::to_string(duckdb_nparams(prepared)) +
                                     " but only " + std::to_string(params.size()) +
                                     " parameter(s) were given");
  } else {
    for (idx_t i = 0; i < duckdb_nparams(prepared) && status.ok(); ++i) {
      const std::string name = "parameter $" + std::to_string(i + 1);
      const Result<DuckDbValue> value = ToDuckDbValue(params[i]);
      if (!value.ok()) {
        status = Status::InvalidArgument(name + ": " + std::string(value.status().message()));
      } else if (duckdb_bind_value(prepared, i + 1, value->get()) == DuckDBError) {
        status = Status::InvalidArgument("cannot bind " + name);
      }
    }
    // DuckDB's planner and optimizer do not look for interrupts, and executing clears one
    // that arrived meanwhile: a statement whose time ran out while preparing stops here.
    if (status.ok()) status = stop.Check();
    // Streaming: chunks are produced as the sink consumes them, never the whole result.
    if (status.ok() && duckdb_execute_prepared_streaming(prepared, result) == DuckDBError) {
      status = StatusFromDuckDbError(duckdb_result_error_type(result), duckdb_result_error(result));
    }
  }
  duckdb_destroy_prepare(&prepared);
  return status;
}

}  // namespace

Status Engine::Query(const std::string& sql, const StatementReads& reads,
                     std::span<const Value> params, const StopSignal& stop, ResultSink& sink) {
  KALAM_RETURN_IF_ERROR(stop.Check());
  KALAM_ASSIGN_OR_RETURN(const PooledConnection pooled, impl_->Acquire(stop));
  impl_->reads.Set(pooled.id, &reads);
  Status status;
  {
    duckdb_connection connection = pooled.connection;
    const StatementWatchdog::Watch watch =
        impl_->watchdog.Start(stop, [connection] { duckdb_interrupt(connection); });
    QueryResult result;
    status = RunPrepared(connection, sql, params, stop, result.get());
    if (status.ok()) status = StreamResult(result.get(), sink);
  }
  impl_->reads.Clear(pooled.id);
  impl_->Release(pooled);
  // An interrupted query fails with whatever DuckDB was doing; report why it was stopped.
  if (!status.ok()) {
    if (Status stopped = stop.Check(); !stopped.ok()) return stopped;
  }
  return status;
}

namespace {

// Binds `sql` on `connection` without running it, and hands the prepared statement
// to `inspect`. The prepare state is checked before anything else: asking a failed prepare
// for its type aborts the process.
Status WithPrepared(duckdb_connection connection, const std::string& sql,
                    const std::function<Status(duckdb_prepared_statement)>& inspect) {
  duckdb_prepared_statement prepared = nullptr;
  Status status;
  if (duckdb_prepare(connection, sql.c_str(), &prepared) == DuckDBError) {
    const char* error = duckdb_prepare_error(prepared);
    status = StatusFromDuckDbMessage(error != nullptr ? error : "invalid query");
  } else {
    status = inspect(prepared);
  }
  duckdb_destroy_prepare(&prepared);
  return status;
}

}  // namespace

Status Engine::Validate(const std::string& sql) {
  KALAM_ASSIGN_OR_RETURN(const PooledConnection pooled, impl_->Acquire(StopSignal{}));
  const Status status =
      WithPrepared(pooled.connection, sql, [](duckdb_prepared_statement) { return Status(); });
  impl_->Release(pooled);
  return status;
}

Result<std::vector<ResultColumn>> Engine::Describe(const std::string& sql) {
  KALAM_ASSIGN_OR_RETURN(const PooledConnection pooled, impl_->Acquire(StopSignal{}));
  std::vector<ResultColumn> columns;
  const Status status =
      WithPrepared(pooled.connection, sql, [&columns](duckdb_prepared_statement prepared) {
        const idx_t count = duckdb_prepared_statement_column_count(prepared);
        for (idx_t i = 0; i < count; ++i) {
          const char* raw_name = duckdb_prepared_statement_column_name(prepared, i);
          std::string name = raw_name != nullptr ? raw_name : "";
          duckdb_free(const_cast<char*>(raw_name));  // DuckDB allocated it for the caller
          std::string type =
              ResultTypeName(duckdb_prepared_statement_column_logical_type(prepared, i));
          if (type.empty()) {
            return Status::InvalidArgument("column '" + name +
                                           "' has a type the API cannot return; cast it, e.g. "
                                           "to VARCHAR");
          }
          columns.push_back({std::move(name), std::move(type)});
        }
        return Status();
      });
  impl_->Release(pooled);
  if (!status.ok()) return status;
  return columns;
}

}  // namespace kalam::engine

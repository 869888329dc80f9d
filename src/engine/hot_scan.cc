#include "engine/hot_scan.h"

#include <vector>

#include "engine/result_reader.h"
#include "tables/scope_scan.h"

namespace kalam::engine {
namespace {

using catalog::TableType;

struct ScanBind {
  std::shared_ptr<const catalog::CachedTable> table;
  std::string scope;
  bool include_deleted = false;
  int64_t now_millis = 0;
};

// One scan in progress: the stream over the scope and the rows of the current chunk.
struct ScanState {
  tables::ScopeScan scan;
  std::vector<tables::RowVersion> rows;
};

std::string StringParameter(duckdb_bind_info info, idx_t index) {
  duckdb_value value = duckdb_bind_get_parameter(info, index);
  char* text = duckdb_get_varchar(value);
  std::string result = text != nullptr ? text : "";
  duckdb_free(text);
  duckdb_destroy_value(&value);
  return result;
}

bool BoolParameter(duckdb_bind_info info, idx_t index) {
  duckdb_value value = duckdb_bind_get_parameter(info, index);
  const bool result = duckdb_get_bool(value);
  duckdb_destroy_value(&value);
  return result;
}

std::optional<std::string> CallerScope(duckdb_bind_info info, const ScanSources& sources) {
  duckdb_client_context context = nullptr;
  duckdb_table_function_get_client_context(info, &context);
  const idx_t connection_id = duckdb_client_context_get_connection_id(context);
  duckdb_destroy_client_context(&context);
  return sources.scopes.Get(connection_id);
}

void ScanBindFunction(duckdb_bind_info info) {
  auto* sources = static_cast<ScanSources*>(duckdb_bind_get_extra_info(info));
  const std::string qualified = StringParameter(info, 0);
  const size_t dot = qualified.find('.');
  Result<std::shared_ptr<const catalog::CachedTable>> table =
      dot == std::string::npos
          ? Result<std::shared_ptr<const catalog::CachedTable>>(Status::NotFound("bad table name"))
          : sources->catalog.GetTable(qualified.substr(0, dot), qualified.substr(dot + 1));
  if (!table.ok()) {
    duckdb_bind_set_error(info, std::string(table.status().message()).c_str());
    return;
  }
  const std::optional<std::string> user = CallerScope(info, *sources);
  if (!user.has_value()) {
    duckdb_bind_set_error(info, "no caller scope is bound to this connection");
    return;
  }
  auto* bind = new ScanBind{*table, (*table)->table.table_type == TableType::kShared ? "" : *user,
                            BoolParameter(info, 1), sources->clock.NowMillis()};
  for (const catalog::ColumnDefinition& column : bind->table->schema.columns) {
    duckdb_logical_type type = LogicalTypeOf(column.type);
    duckdb_bind_add_result_column(info, column.name.c_str(), type);
    duckdb_destroy_logical_type(&type);
  }
  duckdb_logical_type bigint = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_logical_type boolean = duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
  duckdb_bind_add_result_column(info, "_seq", bigint);
  duckdb_bind_add_result_column(info, "_deleted", boolean);
  duckdb_destroy_logical_type(&bigint);
  duckdb_destroy_logical_type(&boolean);
  duckdb_bind_set_bind_data(info, bind, [](void* data) { delete static_cast<ScanBind*>(data); });
}

void ScanInitFunction(duckdb_init_info info) {
  const auto* bind = static_cast<const ScanBind*>(duckdb_init_get_bind_data(info));
  auto* sources = static_cast<ScanSources*>(duckdb_init_get_extra_info(info));
  auto* state = new ScanState{
      tables::ScopeScan(sources->kv, bind->table, bind->scope,
                        {.include_deleted = bind->include_deleted, .now_millis = bind->now_millis}),
      {}};
  duckdb_init_set_init_data(info, state, [](void* data) { delete static_cast<ScanState*>(data); });
}

void ScanFunction(duckdb_function_info info, duckdb_data_chunk output) {
  auto* state = static_cast<ScanState*>(duckdb_function_get_init_data(info));
  // One chunk at a time from the snapshot: memory per scan is O(chunk), not O(scope).
  const Status read = state->scan.Next(duckdb_vector_size(), state->rows);
  if (!read.ok()) {
    duckdb_function_set_error(info, std::string(read.message()).c_str());
    return;
  }
  const idx_t columns = duckdb_data_chunk_get_column_count(output);
  const idx_t count = state->rows.size();
  for (idx_t c = 0; c < columns; ++c) {
    duckdb_vector vector = duckdb_data_chunk_get_vector(output, c);
    duckdb_logical_type type = duckdb_vector_get_column_type(vector);
    for (idx_t r = 0; r < count; ++r) {
      const tables::RowVersion& row = state->rows[r];
      const Value value = c < row.values.size()    ? row.values[c]
                          : c == row.values.size() ? Value::Int64(row.seq)
                                                   : Value::Boolean(row.deleted);
      WriteTypedCell(vector, type, r, value);
    }
    duckdb_destroy_logical_type(&type);
  }
  duckdb_data_chunk_set_size(output, count);
}

}  // namespace

void ConnectionScopes::Set(idx_t connection_id, std::string user_id) {
  MutexLock lock(mu_);
  user_by_connection_[connection_id] = std::move(user_id);
}

void ConnectionScopes::Clear(idx_t connection_id) {
  MutexLock lock(mu_);
  user_by_connection_.erase(connection_id);
}

std::optional<std::string> ConnectionScopes::Get(idx_t connection_id) const {
  MutexLock lock(mu_);
  const auto it = user_by_connection_.find(connection_id);
  if (it == user_by_connection_.end()) return std::nullopt;
  return it->second;
}

duckdb_logical_type LogicalTypeOf(const catalog::DataType& type) {
  using Kind = catalog::DataType::Kind;
  switch (type.kind) {
    case Kind::kBoolean:
      return duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
    case Kind::kSmallInt:
      return duckdb_create_logical_type(DUCKDB_TYPE_SMALLINT);
    case Kind::kInt:
      return duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
    case Kind::kBigInt:
      return duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    case Kind::kFloat:
      return duckdb_create_logical_type(DUCKDB_TYPE_FLOAT);
    case Kind::kDouble:
      return duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
    case Kind::kDecimal:
      return duckdb_create_decimal_type(type.precision, type.scale);
    case Kind::kJson:
      return LogicalTypeFromName("JSON");
    case Kind::kBytes:
      return duckdb_create_logical_type(DUCKDB_TYPE_BLOB);
    case Kind::kUuid:
      return duckdb_create_logical_type(DUCKDB_TYPE_UUID);
    case Kind::kDate:
      return duckdb_create_logical_type(DUCKDB_TYPE_DATE);
    case Kind::kTime:
      return duckdb_create_logical_type(DUCKDB_TYPE_TIME);
    case Kind::kTimestamp:
    case Kind::kDateTime:
      return duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP);
    case Kind::kEmbedding: {
      duckdb_logical_type element = duckdb_create_logical_type(DUCKDB_TYPE_FLOAT);
      duckdb_logical_type array = duckdb_create_array_type(element, type.dimension);
      duckdb_destroy_logical_type(&element);
      return array;
    }
    case Kind::kText:
      break;
  }
  return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
}

Status RegisterHotScan(duckdb_connection connection, ScanSources* sources) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, "kalam_scan");
  duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_logical_type boolean = duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
  duckdb_table_function_add_parameter(function, varchar);
  duckdb_table_function_add_parameter(function, boolean);
  duckdb_destroy_logical_type(&varchar);
  duckdb_destroy_logical_type(&boolean);
  duckdb_table_function_set_extra_info(function, sources, nullptr);
  duckdb_table_function_set_bind(function, ScanBindFunction);
  duckdb_table_function_set_init(function, ScanInitFunction);
  duckdb_table_function_set_function(function, ScanFunction);
  const duckdb_state state = duckdb_register_table_function(connection, function);
  duckdb_destroy_table_function(&function);
  return state == DuckDBSuccess ? Status() : Status::Internal("cannot register kalam_scan");
}

}  // namespace kalam::engine

#include "engine/hot_scan.h"

#include <vector>

#include "engine/result_reader.h"
#include "tables/table_reader.h"

namespace kalam::engine {
namespace {

// What a bound kalam_scan reads: the spec resolved and authorised when the statement was
// analysed, and the statement's one view.
struct ScanBind {
  std::shared_ptr<const tables::ReadView> view;
  tables::ScanSpec spec;
};

// One scan in progress: the stream over the scope and the rows of the current chunk.
struct ScanState {
  tables::TableReader reader;
  std::vector<tables::RowVersion> rows;
};

void AddResultColumn(duckdb_bind_info info, const char* name, duckdb_logical_type type) {
  duckdb_bind_add_result_column(info, name, type);
  duckdb_destroy_logical_type(&type);
}

void ScanBindFunction(duckdb_bind_info info) {
  const auto* connections = static_cast<const ConnectionReads*>(duckdb_bind_get_extra_info(info));
  const StatementReads* reads = CallerReads(info, *connections);
  duckdb_value parameter = duckdb_bind_get_parameter(info, 0);
  const int64_t handle = duckdb_get_int64(parameter);
  duckdb_destroy_value(&parameter);
  const tables::ScanSpec* spec =
      reads == nullptr || handle < 0 ? nullptr : reads->Find(static_cast<uint64_t>(handle));
  if (spec == nullptr || reads->view() == nullptr) {
    duckdb_bind_set_error(info, "no such scan in the running statement");
    return;
  }
  auto* bind = new ScanBind{reads->view(), *spec};
  for (const catalog::ColumnDefinition& column : spec->table->schema.columns) {
    AddResultColumn(info, column.name.c_str(), LogicalTypeOf(column.type));
  }
  AddResultColumn(info, "_seq", duckdb_create_logical_type(DUCKDB_TYPE_BIGINT));
  AddResultColumn(info, "_deleted", duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN));
  duckdb_bind_set_bind_data(info, bind, [](void* data) { delete static_cast<ScanBind*>(data); });
}

void ScanInitFunction(duckdb_init_info info) {
  const auto* bind = static_cast<const ScanBind*>(duckdb_init_get_bind_data(info));
  auto* state = new ScanState{tables::TableReader(bind->view, bind->spec), {}};
  duckdb_init_set_init_data(info, state, [](void* data) { delete static_cast<ScanState*>(data); });
}

void ScanFunction(duckdb_function_info info, duckdb_data_chunk output) {
  auto* state = static_cast<ScanState*>(duckdb_function_get_init_data(info));
  // One chunk at a time from the statement's view: memory per scan is O(chunk), not O(scope).
  const Status read = state->reader.Next(duckdb_vector_size(), state->rows);
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

const StatementReads* CallerReads(duckdb_bind_info info, const ConnectionReads& reads) {
  duckdb_client_context context = nullptr;
  duckdb_table_function_get_client_context(info, &context);
  const idx_t connection_id = duckdb_client_context_get_connection_id(context);
  duckdb_destroy_client_context(&context);
  return reads.Get(connection_id);
}

void ConnectionReads::Set(idx_t connection_id, const StatementReads* reads) {
  MutexLock lock(mu_);
  reads_by_connection_[connection_id] = reads;
}

void ConnectionReads::Clear(idx_t connection_id) {
  MutexLock lock(mu_);
  reads_by_connection_.erase(connection_id);
}

const StatementReads* ConnectionReads::Get(idx_t connection_id) const {
  MutexLock lock(mu_);
  const auto it = reads_by_connection_.find(connection_id);
  return it == reads_by_connection_.end() ? nullptr : it->second;
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

Status RegisterHotScan(duckdb_connection connection, ConnectionReads* reads) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, "kalam_scan");
  duckdb_logical_type bigint = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_table_function_add_parameter(function, bigint);
  duckdb_destroy_logical_type(&bigint);
  duckdb_table_function_set_extra_info(function, reads, nullptr);
  duckdb_table_function_set_bind(function, ScanBindFunction);
  duckdb_table_function_set_init(function, ScanInitFunction);
  duckdb_table_function_set_function(function, ScanFunction);
  const duckdb_state state = duckdb_register_table_function(connection, function);
  duckdb_destroy_table_function(&function);
  return state == DuckDBSuccess ? Status() : Status::Internal("cannot register kalam_scan");
}

}  // namespace kalam::engine

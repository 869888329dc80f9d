#include <algorithm>

#include "common/nearest_name.h"
#include "sql/handlers.h"
#include "tables/coerce.h"

namespace kalam::sql {
namespace {

using catalog::ColumnDefault;
using Kind = catalog::DataType::Kind;

// The value NOW() gives a column of `type`.
Value NowFor(const catalog::DataType& type, int64_t now_micros) {
  switch (type.kind) {
    case Kind::kDate:
      return {.kind = Value::Kind::kDate, .integer = now_micros / 86400000000};
    case Kind::kText:
      return Value::Text(tables::FormatTimestampMicros(now_micros));
    default:
      return {.kind = Value::Kind::kTimestamp, .integer = now_micros};
  }
}

}  // namespace

int64_t StatementMicros(const Services& services, const ExecutionContext& context) {
  return (context.started_at_millis > 0 ? context.started_at_millis : services.clock.NowMillis()) *
         1000;
}

Result<Value> DefaultFor(const catalog::ColumnDefinition& column, Services& services,
                         const ExecutionContext& context, int64_t now_micros) {
  const ColumnDefault& fallback = column.default_value;
  Value raw;
  switch (fallback.kind) {
    case ColumnDefault::Kind::kNone:
    case ColumnDefault::Kind::kNull:
      return Value::Null();
    case ColumnDefault::Kind::kString:
      raw = Value::Text(fallback.literal);
      break;
    case ColumnDefault::Kind::kNumber:
      raw = {.kind = Value::Kind::kDecimal, .text = fallback.literal};
      break;
    case ColumnDefault::Kind::kBoolean:
      raw = Value::Boolean(fallback.literal == "true");
      break;
    case ColumnDefault::Kind::kSnowflakeId: {
      KALAM_ASSIGN_OR_RETURN(const int64_t id, services.snowflake.Next());
      raw = Value::Int64(id);
      break;
    }
    case ColumnDefault::Kind::kUuidV7:
      raw = Value::Text(services.uuids.Next());
      break;
    case ColumnDefault::Kind::kUlid:
      raw = Value::Text(services.ulids.Next());
      break;
    case ColumnDefault::Kind::kNow:
      return NowFor(column.type, now_micros);
    case ColumnDefault::Kind::kCurrentUser:
      raw = Value::Text(context.user_id.value());
      break;
  }
  return tables::CoerceValue(column.type, raw, column.name);
}

std::shared_ptr<const tables::ReadView> StatementView(Services& services) {
  return services.writer.OpenReadView(services.clock.NowMillis());
}

catalog::Catalog::DropCommit CommitDrop(Services& services) {
  return [&services](storage::WriteBatch& batch, const std::vector<TableId>& dropped) {
    KALAM_RETURN_IF_ERROR(services.writer.CommitTableDrop(batch, dropped));
    if (services.live != nullptr) {
      for (const TableId table : dropped)
        services.live->TableChanged(table, "dropped");
    }
    return Status();
  };
}

std::string ScopeOf(const catalog::CachedTable& table, const ExecutionContext& context) {
  return table.table.table_type == catalog::TableType::kShared ? "" : context.user_id.value();
}

auth::Target TableTarget(const catalog::CachedTable& table, const ExecutionContext& context) {
  return {.what = std::string(catalog::TableTypeName(table.table.table_type)) + " table " +
                  table.qualified_name,
          .table_type = table.table.table_type,
          .access_level = table.table.options.access_level,
          .caller_created =
              !table.table.created_by.empty() && table.table.created_by == context.user_id.value()};
}

Status CheckTableAccess(const ExecutionContext& context, const catalog::CachedTable& table,
                        auth::Action action) {
  if (context.impersonator.has_value() && table.table.table_type == catalog::TableType::kShared) {
    return Status::PermissionDenied("AS USER impersonation is not supported for SHARED tables (" +
                                    table.qualified_name + ")");
  }
  return auth::Authorize(context.role, action, TableTarget(table, context));
}

std::optional<Value> CellValue(const engine::InsertCell& cell, const ExecutionContext& context) {
  switch (cell.kind) {
    case engine::InsertCell::Kind::kLiteral:
      return cell.literal;
    case engine::InsertCell::Kind::kParameter:
      if (cell.parameter == 0 || cell.parameter > context.parameters.size()) return std::nullopt;
      return context.parameters[cell.parameter - 1];
    default:
      return std::nullopt;
  }
}

std::optional<Value> FastPathKey(const catalog::CachedTable& table,
                                 const std::optional<engine::KeyEquality>& key,
                                 const ExecutionContext& context) {
  const catalog::ColumnDefinition* pk = table.PrimaryKey();
  if (pk == nullptr || !tables::HasPrimaryKeyIndex(table.table.table_type) || !key.has_value() ||
      key->column != pk->name) {
    return std::nullopt;  // the general path reads it
  }
  const std::optional<Value> value = CellValue(key->value, context);
  if (!value.has_value()) return std::nullopt;
  Result<Value> coerced = tables::CoerceValue(pk->type, *value, pk->name);
  if (!coerced.ok()) return std::nullopt;
  return std::move(coerced).value();
}

void SendMessage(ResultSink& sink, std::string_view message) {
  sink.BeginResult({});
  sink.EndResult(0, message);
}

void SendRows(ResultSink& sink, std::span<const ResultColumn> columns,
              const engine::SystemRows& rows) {
  sink.BeginResult(columns);
  for (const std::vector<Value>& row : rows)
    sink.Row(row);
  sink.EndResult(rows.size(), "");
}

Status SendSystemTable(ResultSink& sink, const engine::SystemTables& tables,
                       std::string_view schema, std::string_view name) {
  const engine::SystemTableDef* def = tables.Find(schema, name);
  if (def == nullptr) return Status::Internal("missing system table " + std::string(name));
  // A system.* table is read whole; the caller's reads matter to information_schema only.
  KALAM_ASSIGN_OR_RETURN(const engine::SystemRows rows, def->rows(engine::MayRead()));
  SendRows(sink, def->columns, rows);
  return Status();
}

Result<std::pair<std::string, std::string>> ResolveName(const QualifiedName& name,
                                                        const ExecutionContext& context,
                                                        std::string_view what) {
  std::string namespace_id = context.default_namespace;
  if (name.namespace_id.has_value()) {
    KALAM_ASSIGN_OR_RETURN(namespace_id, catalog::NormalizeName(*name.namespace_id, "namespace"));
  }
  KALAM_ASSIGN_OR_RETURN(std::string object, catalog::NormalizeName(name.name, what));
  return std::make_pair(std::move(namespace_id), std::move(object));
}

namespace {

// The readable table or view of `ns` whose name is nearest to `name`, if any is close.
std::optional<std::string> NearestReadable(Services& services, const ExecutionContext& context,
                                           const std::string& ns, const std::string& name) {
  std::vector<std::string> names;
  for (const engine::SystemTableDef& table : services.system_tables.All()) {
    if (table.schema == ns) names.push_back(table.name);
  }
  if (const auto tables = services.catalog.ListTables(); tables.ok()) {
    for (const catalog::TableRecord& table : *tables) {
      if (table.namespace_id == ns) names.push_back(table.table_name);
    }
  }
  if (const auto views = services.catalog.ListViews(); views.ok()) {
    for (const catalog::ViewRecord& view : *views) {
      if (view.namespace_id == ns) names.push_back(view.view_name);
    }
  }
  // Never suggest what the caller may not read (CheckRead): the suggestion would reveal it.
  while (std::optional<std::string> nearest = NearestName(name, names)) {
    if (CheckRead(services, context, ns, *nearest, /*suggest_names=*/false).ok()) return nearest;
    names.erase(std::find(names.begin(), names.end(), *nearest));
  }
  return std::nullopt;
}

}  // namespace

Status TableNotFound(Services& services, const ExecutionContext& context, const std::string& ns,
                     const std::string& name) {
  std::string message = "Table " + ns + "." + name + " not found";
  if (!context.suggest_names) return Status::TableNotFound(std::move(message));
  if (const auto nearest = NearestReadable(services, context, ns, name)) {
    message += "; did you mean " + ns + "." + *nearest + "?";
  }
  return Status::TableNotFound(std::move(message));
}

Result<std::shared_ptr<const catalog::CachedTable>> FindTable(Services& services,
                                                              const ExecutionContext& context,
                                                              const std::string& ns,
                                                              const std::string& name) {
  Result<std::shared_ptr<const catalog::CachedTable>> table = services.catalog.GetTable(ns, name);
  if (table.status().code() == StatusCode::kTableNotFound) {
    return TableNotFound(services, context, ns, name);
  }
  return table;
}

}  // namespace kalam::sql

// What a query may read and how its reads are rewritten for the engine: the one access
// decision of reads (ResolveRead) and its uses.
#include <algorithm>
#include <limits>

#include "engine/query_rewriter.h"
#include "sql/handlers.h"

namespace kalam::sql {
namespace {

// A relation with the table's columns and no rows, so that a view body can be bound
// (names, types) without reading anything.
std::string EmptyRelationSql(const catalog::CachedTable& table,
                             const std::vector<std::string>& exposed) {
  std::string sql = "SELECT ";
  bool first = true;
  for (const catalog::EngineColumn& column : table.engine_columns) {
    if (column.system && std::find(exposed.begin(), exposed.end(), column.name) == exposed.end()) {
      continue;
    }
    sql += (first ? "" : ", ") + std::string("CAST(NULL AS ") + column.duckdb_type + ") AS \"";
    sql.append(column.name).append("\"");
    first = false;
  }
  return sql + " WHERE false";
}

// Tombstoned values are for dba and system only: the roles that read the
// live table may select _deleted, but never get a deleted row.
bool SeesTombstones(catalog::Role role) {
  return role == catalog::Role::kDba || role == catalog::Role::kSystem;
}

// The system columns a table reference exposes: those it names, nothing else.
std::vector<std::string> ExposedSystemColumns(const engine::TableReference& reference) {
  std::vector<std::string> columns;
  if (reference.names_seq) columns.emplace_back("_seq");
  if (reference.names_deleted) columns.emplace_back("_deleted");
  return columns;
}

// The scan of one registered table reference: the table's columns, then the system
// columns the reference exposes. Columns are qualified: a bare `user` is the caller's name.
std::string ScanSql(const catalog::CachedTable& table, const std::vector<std::string>& exposed,
                    uint64_t handle) {
  std::string sql = "SELECT ";
  for (const catalog::ColumnDefinition& column : table.schema.columns) {
    sql += "scan.\"" + column.name + "\", ";
  }
  for (const std::string& column : exposed)
    sql += "scan." + column + ", ";
  sql.resize(sql.size() - 2);
  return sql + " FROM kalam_scan(" + std::to_string(handle) + ") AS scan";
}

// Narrows `spec` by the reference's WHERE filters: equality on the primary key reads one row
// through the index, bounds on _seq narrow the range. DuckDB still applies the whole WHERE,
// so a filter that cannot be used (a value of the wrong type, a missing parameter) is skipped.
void NarrowScan(const std::vector<engine::ColumnFilter>& filters, const ExecutionContext& context,
                tables::ScanSpec& spec) {
  using Op = engine::ColumnFilter::Op;
  for (const engine::ColumnFilter& filter : filters) {
    if (filter.column == "_seq") {
      const std::optional<Value> value = CellValue(filter.operand, context);
      if (!value.has_value() || value->kind != Value::Kind::kInt64) continue;
      const int64_t seq = value->integer;
      const auto raise_min = [&](int64_t bound) {  // rows with _seq > bound
        spec.min_seq = spec.min_seq.has_value() ? std::max(*spec.min_seq, bound) : bound;
      };
      const auto lower_max = [&](int64_t bound) {  // rows with _seq <= bound
        spec.max_seq = spec.max_seq.has_value() ? std::min(*spec.max_seq, bound) : bound;
      };
      if (seq == std::numeric_limits<int64_t>::min()) continue;  // seq - 1 would overflow
      if (filter.op == Op::kGt) raise_min(seq);
      if (filter.op == Op::kGe || filter.op == Op::kEq) raise_min(seq - 1);
      if (filter.op == Op::kLt) lower_max(seq - 1);
      if (filter.op == Op::kLe || filter.op == Op::kEq) lower_max(seq);
    } else if (filter.op == Op::kEq && !spec.primary_key.has_value()) {
      spec.primary_key =
          FastPathKey(*spec.table, engine::KeyEquality{filter.column, filter.operand}, context);
    }
  }
}

}  // namespace

bool IsSystemSchema(std::string_view namespace_id) {
  return namespace_id == "system" || namespace_id == "information_schema";
}

Result<ReadTarget> ResolveRead(Services& services, const ExecutionContext& context,
                               const std::string& namespace_id, const std::string& name) {
  if (IsSystemSchema(namespace_id)) {
    if (namespace_id == "system") {
      KALAM_RETURN_IF_ERROR(auth::Authorize(context.role, auth::Action::kReadSystemTables));
    }
    if (context.impersonator.has_value()) {
      return Status::PermissionDenied("AS USER statements cannot read system tables");
    }
    const engine::SystemTableDef* def = services.system_tables.Find(namespace_id, name);
    if (def == nullptr) return TableNotFound(services, context, namespace_id, name);
    return ReadTarget{.system_table = def};
  }
  KALAM_ASSIGN_OR_RETURN(std::optional<catalog::ViewRecord> view,
                         services.catalog.GetView(namespace_id, name));
  if (view.has_value()) return ReadTarget{.view = std::move(view)};
  KALAM_ASSIGN_OR_RETURN(auto table, FindTable(services, context, namespace_id, name));
  KALAM_RETURN_IF_ERROR(CheckTableAccess(context, *table, auth::Action::kReadTable));
  return ReadTarget{.table = std::move(table)};
}

Result<std::string> RewriteViewBody(Services& services, const ExecutionContext& context,
                                    const catalog::ViewRecord& view, bool suggest_names) {
  // Unqualified names in the body live in the view's namespace, as when a query expands it.
  ExecutionContext body_context = context;
  body_context.default_namespace = view.namespace_id;
  body_context.suggest_names = context.suggest_names && suggest_names;
  return RewriteForEngine(view.sql, services, body_context, nullptr);
}

Status CheckRead(Services& services, const ExecutionContext& context,
                 const std::string& namespace_id, const std::string& name, bool suggest_names) {
  KALAM_ASSIGN_OR_RETURN(const ReadTarget target,
                         ResolveRead(services, context, namespace_id, name));
  if (!target.view.has_value()) return Status();
  return RewriteViewBody(services, context, *target.view, suggest_names).status();
}

engine::MayRead CallerMayRead(Services& services, const ExecutionContext& context) {
  return [&services, &context](std::string_view namespace_id, std::string_view name) {
    // Any failure, not only a refusal, leaves the object out: listings fail closed. They
    // show no message, so none suggests names.
    return CheckRead(services, context, std::string(namespace_id), std::string(name),
                     /*suggest_names=*/false)
        .ok();
  };
}

Result<std::string> RewriteForEngine(std::string_view sql, Services& services,
                                     const ExecutionContext& context, engine::StatementReads* reads,
                                     std::vector<std::optional<std::string>>* declared_types) {
  if (reads != nullptr) reads->SetMayRead(CallerMayRead(services, context));
  const engine::TableResolver resolver =
      [&](const engine::TableReference& reference) -> Result<engine::TableReplacement> {
    const std::string ns = reference.schema.empty() ? reference.default_schema : reference.schema;
    KALAM_ASSIGN_OR_RETURN(ReadTarget target, ResolveRead(services, context, ns, reference.name));
    if (target.system_table != nullptr) {
      return engine::TableReplacement{"kalam_system", {target.system_table->qualified_name()}};
    }
    if (target.view.has_value()) {
      return engine::TableReplacement{.view_sql = std::move(target.view->sql),
                                      .view_namespace = ns};
    }
    const std::shared_ptr<const catalog::CachedTable>& table = target.table;
    std::vector<std::string> exposed = ExposedSystemColumns(reference);
    std::string scan_sql = EmptyRelationSql(*table, exposed);
    if (reads != nullptr) {
      std::string scope = ScopeOf(*table, context);
      tables::ScanSpec spec{
          .table = table,
          .scope = std::move(scope),
          .include_deleted = reference.names_deleted && SeesTombstones(context.role)};
      NarrowScan(reference.filters, context, spec);
      const uint64_t handle = reads->Add(std::move(spec));
      scan_sql = ScanSql(*table, exposed, handle);
    }
    std::vector<std::pair<std::string, std::string>> declared;
    for (const catalog::ColumnDefinition& column : table->schema.columns) {
      declared.emplace_back(column.name, column.type.ToSql());
    }
    return engine::TableReplacement{.view_sql = std::move(scan_sql),
                                    .view_namespace = ns,
                                    .trusted = true,
                                    .system_columns = std::move(exposed),
                                    .declared_columns = std::move(declared)};
  };
  return engine::RewriteSelect(sql, resolver,
                               {.default_schema = context.default_namespace,
                                .current_user = context.username,
                                .server_version = services.system_tables.info().version},
                               declared_types);
}

}  // namespace kalam::sql

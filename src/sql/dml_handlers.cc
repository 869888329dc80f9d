#include <optional>
#include <set>

#include "engine/dml_analysis.h"
#include "sql/handlers.h"
#include "tables/coerce.h"

namespace kalam::sql {
namespace {

using catalog::ColumnDefinition;
using TablePtr = std::shared_ptr<const catalog::CachedTable>;

// An ALTER that commits while a DML statement prepares its rows makes the commit refuse them
// (they were built for the schema it replaced; TableWriter::CommitSchemaChange). Nothing was
// written, so the statement runs again from the start, against the new schema, a bounded
// number of times. `attempt` names the table it resolved through its argument.
constexpr int kMaxDmlAttempts = 5;

template <typename Attempt>
Result<Handled> RetryOnSchemaChange(Services& services, const Attempt& attempt) {
  for (int tries = 1;; ++tries) {
    TablePtr table;
    Result<Handled> handled = attempt(table);
    if (handled.ok() || tries == kMaxDmlAttempts || table == nullptr ||
        services.writer.IsCurrent(*table)) {
      return handled;
    }
  }
}

// The refusal of a statement that would write more than max_rows_per_statement rows.
Status TooManyRows(std::string_view verb, size_t max_rows) {
  return Status::LimitExceeded(
      std::string(verb) +
      " would write more than max_rows_per_statement=" + std::to_string(max_rows) +
      " rows; nothing was written. Split it into smaller statements, "
      "e.g. by ranges of the primary key");
}

// Keeps the rows of an internal query (INSERT … SELECT, UPDATE/DELETE targets, expression
// evaluation), at most `max_rows` of them: the query stops at the first row beyond.
class RowsSink final : public ResultSink {
 public:
  RowsSink(std::string_view verb, size_t max_rows) : verb_(verb), max_rows_(max_rows) {}
  void BeginResult(std::span<const ResultColumn>) override {}
  void Row(std::span<const Value> values) override {
    if (rows.size() < max_rows_) {
      rows.emplace_back(values.begin(), values.end());
    } else {
      overflowed_ = true;
    }
  }
  void EndResult(uint64_t, std::string_view) override {}
  Status Stopped() const override { return overflowed_ ? TooManyRows(verb_, max_rows_) : Status(); }

  std::vector<std::vector<Value>> rows;

 private:
  std::string_view verb_;
  size_t max_rows_;
  bool overflowed_ = false;
};

// Runs `sql` for `verb`, keeping at most the context's max_rows_per_statement rows.
Result<std::vector<std::vector<Value>>> RunInternalQuery(const std::string& sql,
                                                         std::string_view verb, Services& services,
                                                         const ExecutionContext& context) {
  engine::StatementReads reads(StatementView(services));
  KALAM_ASSIGN_OR_RETURN(const std::string rewritten,
                         RewriteForEngine(sql, services, context, &reads));
  RowsSink sink(verb, context.max_rows_per_statement);
  KALAM_RETURN_IF_ERROR(
      services.engine.Query(rewritten, reads, context.parameters, context.stop, sink));
  return std::move(sink.rows);
}

Result<std::vector<size_t>> TargetColumns(const engine::InsertPlan& plan,
                                          const catalog::CachedTable& table) {
  const auto& columns = table.schema.columns;
  std::vector<size_t> targets;
  if (plan.columns.empty()) {
    for (size_t i = 0; i < columns.size(); ++i)
      targets.push_back(i);
    return targets;
  }
  std::set<std::string> seen;
  for (const std::string& name : plan.columns) {
    const auto it = std::find_if(columns.begin(), columns.end(),
                                 [&](const ColumnDefinition& c) { return c.name == name; });
    if (it == columns.end()) {
      return Status::ColumnNotFound("column '" + name + "' does not exist in table " +
                                    table.qualified_name);
    }
    if (!seen.insert(name).second) {
      return Status::InvalidArgument("column '" + name + "' is listed twice");
    }
    targets.push_back(static_cast<size_t>(it - columns.begin()));
  }
  return targets;
}

using SourceRow = std::vector<std::optional<Value>>;  // nullopt: DEFAULT

Result<SourceRow> ResolveCells(const std::vector<engine::InsertCell>& cells, Services& services,
                               const ExecutionContext& context) {
  SourceRow row;
  std::string expressions;
  std::vector<size_t> expression_positions;
  for (const engine::InsertCell& cell : cells) {
    switch (cell.kind) {
      case engine::InsertCell::Kind::kLiteral:
        row.emplace_back(cell.literal);
        break;
      case engine::InsertCell::Kind::kDefault:
        row.emplace_back(std::nullopt);
        break;
      case engine::InsertCell::Kind::kParameter:
        if (cell.parameter > context.parameters.size()) {
          return Status::InvalidArgument("parameter $" + std::to_string(cell.parameter) +
                                         " was not given");
        }
        row.emplace_back(context.parameters[cell.parameter - 1]);
        break;
      case engine::InsertCell::Kind::kExpression:
        expressions += (expressions.empty() ? "SELECT " : ", ") + cell.expression_sql;
        expression_positions.push_back(row.size());
        row.emplace_back(Value::Null());
        break;
    }
  }
  if (!expressions.empty()) {
    KALAM_ASSIGN_OR_RETURN(const auto evaluated,
                           RunInternalQuery(expressions, "INSERT", services, context));
    if (evaluated.size() != 1 || evaluated[0].size() != expression_positions.size()) {
      return Status::Internal("expression evaluation returned an unexpected shape");
    }
    for (size_t i = 0; i < expression_positions.size(); ++i) {
      row[expression_positions[i]] = evaluated[0][i];
    }
  }
  return row;
}

Result<std::vector<SourceRow>> SourceRows(const engine::InsertPlan& plan, size_t width,
                                          Services& services, const ExecutionContext& context) {
  std::vector<SourceRow> rows;
  if (plan.select_sql.has_value()) {
    KALAM_ASSIGN_OR_RETURN(const auto selected,
                           RunInternalQuery(*plan.select_sql, "INSERT", services, context));
    for (const std::vector<Value>& values : selected) {
      if (values.size() != width) {
        return Status::InvalidArgument("INSERT … SELECT gives " + std::to_string(values.size()) +
                                       " values for " + std::to_string(width) + " columns");
      }
      rows.emplace_back(values.begin(), values.end());
    }
    return rows;
  }
  if (plan.rows.size() > context.max_rows_per_statement) {
    return TooManyRows("INSERT", context.max_rows_per_statement);
  }
  for (const std::vector<engine::InsertCell>& cells : plan.rows) {
    if (!cells.empty() && cells.size() != width) {
      return Status::InvalidArgument("INSERT has " + std::to_string(cells.size()) + " values for " +
                                     std::to_string(width) + " columns");
    }
    KALAM_ASSIGN_OR_RETURN(SourceRow row, ResolveCells(cells, services, context));
    if (row.empty()) row.resize(width);  // DEFAULT VALUES
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

namespace {

Result<Handled> InsertOnce(const engine::InsertPlan& plan, Services& services,
                           const ExecutionContext& context, ResultSink& sink, TablePtr& used) {
  const std::string ns = plan.schema.empty() ? context.default_namespace : plan.schema;
  if (ns == "system" || ns == "information_schema") {
    return Status::PermissionDenied("Cannot INSERT into SYSTEM tables");
  }
  KALAM_ASSIGN_OR_RETURN(const auto table, FindTable(services, context, ns, plan.table));
  used = table;
  KALAM_RETURN_IF_ERROR(CheckTableAccess(context, *table, auth::Action::kWriteTable));
  KALAM_ASSIGN_OR_RETURN(const std::vector<size_t> targets, TargetColumns(plan, *table));
  KALAM_ASSIGN_OR_RETURN(const std::vector<SourceRow> sources,
                         SourceRows(plan, targets.size(), services, context));
  const auto& columns = table->schema.columns;
  const int64_t now_micros = StatementMicros(services, context);
  std::vector<std::vector<Value>> rows;
  rows.reserve(sources.size());
  for (const SourceRow& source : sources) {
    std::vector<std::optional<Value>> given(columns.size());
    for (size_t i = 0; i < targets.size(); ++i)
      given[targets[i]] = source[i];
    std::vector<Value> row;
    row.reserve(columns.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      Result<Value> value = given[c].has_value()
                                ? tables::CoerceValue(columns[c].type, *given[c], columns[c].name)
                                : DefaultFor(columns[c], services, context, now_micros);
      KALAM_RETURN_IF_ERROR(value.status());
      row.push_back(std::move(value).value());
    }
    rows.push_back(std::move(row));
  }
  KALAM_ASSIGN_OR_RETURN(const size_t inserted,
                         services.writer.Insert(*table, ScopeOf(*table, context), rows));
  SendMessage(sink, "Inserted " + std::to_string(inserted) + " row(s)");
  return Handled{{"INSERT", "TABLE " + table->qualified_name}};
}

}  // namespace

Result<Handled> HandleInsert(const Dml& insert, Services& services, const ExecutionContext& context,
                             ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const engine::InsertPlan plan, engine::AnalyzeInsert(insert.sql));
  return RetryOnSchemaChange(
      services, [&](TablePtr& used) { return InsertOnce(plan, services, context, sink, used); });
}

namespace {

std::string Quoted(const std::string& name) {
  return "\"" + name + "\"";
}

struct DmlTarget {
  std::shared_ptr<const catalog::CachedTable> table;
  std::string scope;
};

Result<DmlTarget> ResolveTarget(const std::string& schema, const std::string& name,
                                std::string_view verb, Services& services,
                                const ExecutionContext& context) {
  const std::string ns = schema.empty() ? context.default_namespace : schema;
  if (ns == "system" || ns == "information_schema") {
    return Status::PermissionDenied("Cannot " + std::string(verb) + " SYSTEM tables");
  }
  KALAM_ASSIGN_OR_RETURN(auto table, FindTable(services, context, ns, name));
  KALAM_RETURN_IF_ERROR(CheckTableAccess(context, *table, auth::Action::kWriteTable));
  std::string scope = ScopeOf(*table, context);
  return DmlTarget{std::move(table), std::move(scope)};
}

// The reply and audit note of an UPDATE or DELETE, whichever path ran it.
Handled Changed(ResultSink& sink, std::string_view verb, size_t rows,
                const catalog::CachedTable& table) {
  const std::string past = verb == "UPDATE" ? "Updated " : "Deleted ";
  SendMessage(sink, past + std::to_string(rows) + " row(s)");
  return Handled{{std::string(verb), "TABLE " + table.qualified_name}};
}

std::string WhereClause(const std::string& where_sql) {
  return where_sql.empty() ? "" : " WHERE " + where_sql;
}

// The PK fast path of UPDATE: `SET c = <literal | $n>, … WHERE <pk> = <literal
// | $n>` reads the row from the PK index and writes its new version without DuckDB. nullopt
// when the statement has another shape; the general path then runs.
Result<std::optional<size_t>> TryPointUpdate(const engine::UpdatePlan& plan,
                                             const std::vector<size_t>& assigned,
                                             const DmlTarget& target, Services& services,
                                             const ExecutionContext& context) {
  const catalog::CachedTable& table = *target.table;
  const std::optional<Value> key = FastPathKey(table, plan.key_equality, context);
  if (!key.has_value()) return std::optional<size_t>();
  std::vector<Value> new_values;
  for (const engine::InsertCell& cell : plan.values) {
    std::optional<Value> value = CellValue(cell, context);
    if (!value.has_value()) return std::optional<size_t>();
    new_values.push_back(std::move(*value));
  }
  KALAM_ASSIGN_OR_RETURN(
      std::optional<tables::RowVersion> current,
      tables::TableReader::Get(*services.writer.CurrentReadView(), table, target.scope, *key));
  if (!current.has_value()) return std::optional<size_t>(0);
  for (size_t i = 0; i < assigned.size(); ++i) {
    const ColumnDefinition& column = table.schema.columns[assigned[i]];
    KALAM_ASSIGN_OR_RETURN(current->values[assigned[i]],
                           tables::CoerceValue(column.type, new_values[i], column.name));
  }
  KALAM_ASSIGN_OR_RETURN(
      const size_t updated,
      services.writer.Update(table, target.scope, {std::move(current->values)}, {current->seq}));
  return std::optional<size_t>(updated);
}

Result<Handled> UpdateOnce(const engine::UpdatePlan& plan, Services& services,
                           const ExecutionContext& context, ResultSink& sink, TablePtr& used) {
  KALAM_ASSIGN_OR_RETURN(const DmlTarget target,
                         ResolveTarget(plan.schema, plan.table, "UPDATE", services, context));
  used = target.table;
  const catalog::CachedTable& table = *target.table;
  if (table.table.table_type == catalog::TableType::kStream) {
    return Status::InvalidArgument("STREAM tables are append-only: UPDATE is not supported");
  }
  const auto& columns = table.schema.columns;
  std::vector<size_t> assigned;
  std::set<std::string> seen;
  for (const auto& [name, expression] : plan.assignments) {
    const ColumnDefinition* column = table.FindColumn(name);
    if (column == nullptr) {
      return Status::ColumnNotFound("column '" + name + "' does not exist in table " +
                                    table.qualified_name);
    }
    if (column->primary_key) {
      return Status::InvalidArgument("cannot UPDATE the primary key column '" + name +
                                     "': DELETE the row and INSERT it with the new key");
    }
    if (!seen.insert(name).second)
      return Status::InvalidArgument("column '" + name + "' is set twice");
    assigned.push_back(static_cast<size_t>(column - columns.data()));
  }
  KALAM_ASSIGN_OR_RETURN(const std::optional<size_t> fast,
                         TryPointUpdate(plan, assigned, target, services, context));
  if (fast.has_value()) {
    return Changed(sink, "UPDATE", *fast, table);
  }
  // Current values, _seq and the new values, for exactly the rows the caller can see. The
  // current values are qualified: a bare `user` is the caller's name, not the column.
  std::string query = "SELECT ";
  for (const ColumnDefinition& column : columns)
    query += Quoted(table.table.table_name) + "." + Quoted(column.name) + ", ";
  query += "_seq";
  for (const auto& [name, expression] : plan.assignments)
    query += ", " + expression;
  query += " FROM " + table.qualified_name + WhereClause(plan.where_sql);
  KALAM_ASSIGN_OR_RETURN(const auto selected, RunInternalQuery(query, "UPDATE", services, context));
  std::vector<std::vector<Value>> rows;
  std::vector<int64_t> seqs;
  for (const std::vector<Value>& result : selected) {
    std::vector<Value> row(result.begin(), result.begin() + static_cast<ptrdiff_t>(columns.size()));
    for (size_t i = 0; i < assigned.size(); ++i) {
      const ColumnDefinition& column = columns[assigned[i]];
      KALAM_ASSIGN_OR_RETURN(
          row[assigned[i]],
          tables::CoerceValue(column.type, result[columns.size() + 1 + i], column.name));
    }
    seqs.push_back(result[columns.size()].integer);
    rows.push_back(std::move(row));
  }
  KALAM_ASSIGN_OR_RETURN(const size_t updated,
                         services.writer.Update(table, target.scope, rows, seqs));
  return Changed(sink, "UPDATE", updated, table);
}

Result<Handled> DeleteOnce(const engine::DeletePlan& plan, Services& services,
                           const ExecutionContext& context, ResultSink& sink, TablePtr& used) {
  KALAM_ASSIGN_OR_RETURN(const DmlTarget target,
                         ResolveTarget(plan.schema, plan.table, "DELETE from", services, context));
  used = target.table;
  const catalog::CachedTable& table = *target.table;
  const bool stream = table.table.table_type == catalog::TableType::kStream;
  if (plan.where_sql.empty()) {
    return Status::InvalidArgument(std::string(stream ? "DELETE on STREAM tables" : "DELETE") +
                                   " requires a WHERE clause");
  }
  if (!stream) {
    if (const std::optional<Value> key = FastPathKey(table, plan.key_equality, context)) {
      // PK fast path: one index read instead of a DuckDB query.
      KALAM_ASSIGN_OR_RETURN(
          const std::optional<tables::RowVersion> current,
          tables::TableReader::Get(*services.writer.CurrentReadView(), table, target.scope, *key));
      size_t deleted = 0;
      if (current.has_value()) {
        KALAM_ASSIGN_OR_RETURN(deleted,
                               services.writer.Delete(table, target.scope, {*key}, {current->seq}));
      }
      return Changed(sink, "DELETE", deleted, table);
    }
  }
  const ColumnDefinition* pk = table.PrimaryKey();
  const std::string query =
      "SELECT " +
      (stream || pk == nullptr ? "NULL" : Quoted(table.table.table_name) + "." + Quoted(pk->name)) +
      ", _seq FROM " + table.qualified_name + WhereClause(plan.where_sql);
  KALAM_ASSIGN_OR_RETURN(const auto selected, RunInternalQuery(query, "DELETE", services, context));
  std::vector<Value> keys;
  std::vector<int64_t> seqs;
  for (const std::vector<Value>& row : selected) {
    keys.push_back(row[0]);
    seqs.push_back(row[1].integer);
  }
  size_t deleted = 0;
  if (stream) {
    KALAM_ASSIGN_OR_RETURN(deleted, services.writer.DeleteEvents(table, target.scope, seqs));
  } else {
    KALAM_ASSIGN_OR_RETURN(deleted, services.writer.Delete(table, target.scope, keys, seqs));
  }
  return Changed(sink, "DELETE", deleted, table);
}

}  // namespace

Result<Handled> HandleUpdate(const Dml& update, Services& services, const ExecutionContext& context,
                             ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const engine::UpdatePlan plan, engine::AnalyzeUpdate(update.sql));
  return RetryOnSchemaChange(
      services, [&](TablePtr& used) { return UpdateOnce(plan, services, context, sink, used); });
}

Result<Handled> HandleDelete(const Dml& remove, Services& services, const ExecutionContext& context,
                             ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const engine::DeletePlan plan, engine::AnalyzeDelete(remove.sql));
  return RetryOnSchemaChange(
      services, [&](TablePtr& used) { return DeleteOnce(plan, services, context, sink, used); });
}

}  // namespace kalam::sql

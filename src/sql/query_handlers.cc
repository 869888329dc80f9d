#include <algorithm>

#include "engine/dml_analysis.h"
#include "sql/handlers.h"
#include "tables/coerce.h"

namespace kalam::sql {
namespace {

// The primary-key fast path: SELECT … FROM t WHERE <pk> = <value> read
// through the PK index, without DuckDB. Returns false when the query is not of that exact
// shape, and the general path (which also produces every error message) runs instead.
Result<bool> TryPointSelect(const Query& query, Services& services, const ExecutionContext& context,
                            ResultSink& sink) {
  const std::optional<engine::PointSelect> point = engine::AnalyzePointSelect(query.sql);
  if (!point.has_value()) return false;
  const std::string ns = point->schema.empty() ? context.default_namespace : point->schema;
  // Views, system tables and refusals take the general path, which reports every error.
  const Result<ReadTarget> target = ResolveRead(services, context, ns, point->table);
  if (!target.ok() || target->table == nullptr) return false;
  const catalog::CachedTable& table = *target->table;
  const std::optional<Value> key = FastPathKey(table, point->key, context);
  if (!key.has_value()) return false;
  // Output columns: * is the table's columns; named ones may include _seq (not _deleted,
  // which asks for tombstones: general path).
  std::vector<int> picks;  // column index, or -1 for _seq
  if (point->columns.empty()) {
    for (size_t i = 0; i < table.schema.columns.size(); ++i)
      picks.push_back(static_cast<int>(i));
  }
  for (const std::string& name : point->columns) {
    const catalog::ColumnDefinition* column = table.FindColumn(name);
    if (name == "_seq") {
      picks.push_back(-1);
    } else if (column == nullptr) {
      return false;
    } else {
      picks.push_back(static_cast<int>(column - table.schema.columns.data()));
    }
  }
  KALAM_ASSIGN_OR_RETURN(const std::optional<tables::RowVersion> row,
                         tables::TableReader::Get(*services.writer.CurrentReadView(), table,
                                                  ScopeOf(table, context), *key));
  std::vector<ResultColumn> columns;
  for (const int pick : picks) {
    if (pick < 0) {
      columns.push_back({"_seq", "BIGINT"});
    } else {
      const catalog::ColumnDefinition& column = table.schema.columns[static_cast<size_t>(pick)];
      columns.push_back({column.name, column.type.ToSql()});
    }
  }
  sink.BeginResult(columns);
  if (row.has_value()) {
    std::vector<Value> values;
    for (const int pick : picks) {
      values.push_back(pick < 0 ? Value::Int64(row->seq) : row->values[static_cast<size_t>(pick)]);
    }
    sink.Row(values);
  }
  sink.EndResult(row.has_value() ? 1 : 0, "");
  return true;
}

}  // namespace

namespace {

// Passes EXPLAIN's rows on as the user would write them: the query DuckDB ran (which EXPLAIN
// ANALYZE prints) becomes the user's, and our scan functions get names that say what they
// read, of the same length, so DuckDB's boxes stay aligned.
class ExplainSink final : public ForwardingSink {
 public:
  ExplainSink(ResultSink& out, std::string ran, std::string written)
      : ForwardingSink(out), ran_(std::move(ran)), written_(std::move(written)) {}
  void Row(std::span<const Value> values) override {
    std::vector<Value> renamed(values.begin(), values.end());
    for (Value& value : renamed) {
      if (value.kind != Value::Kind::kText) continue;
      Replace(value.text, ran_, written_);
      Replace(value.text, "KALAM_SCAN", "TABLE_SCAN");
      Replace(value.text, "KALAM_SYSTEM", "SYSTEM_TABLE");
    }
    out_.Row(renamed);
  }

 private:
  static void Replace(std::string& text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
      at += to.size();
    }
  }

  const std::string ran_;
  const std::string written_;
};

// Reports the declared type ("DATETIME", "EMBEDDING(384)") of result columns that are a
// table's column as such; DuckDB only knows the type each is stored as.
class DeclaredTypesSink final : public ForwardingSink {
 public:
  DeclaredTypesSink(ResultSink& out, std::vector<std::optional<std::string>> declared)
      : ForwardingSink(out), declared_(std::move(declared)) {}
  void BeginResult(std::span<const ResultColumn> columns) override {
    if (declared_.size() != columns.size()) return out_.BeginResult(columns);
    std::vector<ResultColumn> typed(columns.begin(), columns.end());
    for (size_t i = 0; i < typed.size(); ++i) {
      if (declared_[i].has_value()) typed[i].data_type = *declared_[i];
    }
    out_.BeginResult(typed);
  }

 private:
  const std::vector<std::optional<std::string>> declared_;
};

std::string_view Trimmed(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") + 1 - begin);
}

}  // namespace

Result<Handled> HandleQuery(const Query& query, Services& services, const ExecutionContext& context,
                            ResultSink& sink) {
  if (query.explain == Query::Explain::kNone) {
    KALAM_ASSIGN_OR_RETURN(const bool answered, TryPointSelect(query, services, context, sink));
    if (answered) return Handled{};
  }
  engine::StatementReads reads(StatementView(services));
  std::vector<std::optional<std::string>> declared_types;
  KALAM_ASSIGN_OR_RETURN(std::string rewritten,
                         RewriteForEngine(query.sql, services, context, &reads, &declared_types));
  if (query.explain != Query::Explain::kNone) {
    const std::string verb =
        query.explain == Query::Explain::kAnalyze ? "EXPLAIN ANALYZE " : "EXPLAIN ";
    ExplainSink explained(sink, verb + rewritten, verb + std::string(Trimmed(query.sql)));
    KALAM_RETURN_IF_ERROR(services.engine.Query(verb + rewritten, reads, context.parameters,
                                                context.stop, explained));
    return Handled{};
  }
  DeclaredTypesSink typed(sink, std::move(declared_types));
  KALAM_RETURN_IF_ERROR(
      services.engine.Query(rewritten, reads, context.parameters, context.stop, typed));
  return Handled{};
}

Result<Handled> HandleView(const Statement& statement, Services& services,
                           const ExecutionContext& context, ResultSink& sink) {
  if (const auto* drop = std::get_if<DropView>(&statement)) {
    KALAM_ASSIGN_OR_RETURN(const auto name, ResolveName(drop->view, context, "view"));
    const std::string qualified = name.first + "." + name.second;
    const Status dropped = services.catalog.DropView(name.first, name.second);
    if (dropped.code() == StatusCode::kTableNotFound && drop->if_exists) {
      SendMessage(sink, "View " + qualified + " does not exist (skipped)");
      return Handled{};
    }
    KALAM_RETURN_IF_ERROR(dropped);
    SendMessage(sink, "View " + qualified + " dropped successfully");
    return Handled{{"DROP", "VIEW " + qualified}};
  }
  const auto& create = std::get<CreateView>(statement);
  KALAM_ASSIGN_OR_RETURN(const auto name, ResolveName(create.view, context, "view"));
  if (IsSystemSchema(name.first)) {
    return Status::PermissionDenied("views cannot be created in " + name.first);
  }
  // The body is checked like any query, with unqualified names in the view's namespace.
  ExecutionContext body_context = context;
  body_context.default_namespace = name.first;
  KALAM_ASSIGN_OR_RETURN(const std::string rewritten,
                         RewriteForEngine(create.select_sql, services, body_context, nullptr));
  KALAM_RETURN_IF_ERROR(services.engine.Validate(rewritten).WithContext("invalid view body"));
  const std::string qualified = name.first + "." + name.second;
  KALAM_RETURN_IF_ERROR(services.catalog.CreateView({.namespace_id = name.first,
                                                     .view_name = name.second,
                                                     .sql = create.select_sql,
                                                     .created_by = context.user_id.value()},
                                                    create.or_replace));
  SendMessage(sink, "View " + qualified + " created successfully");
  return Handled{{"CREATE", "VIEW " + qualified}};
}

namespace {

const std::vector<ResultColumn> kDescribeColumns = {
    {"column_name", "TEXT"},    {"ordinal_position", "INT"},   {"data_type", "TEXT"},
    {"is_nullable", "BOOLEAN"}, {"is_primary_key", "BOOLEAN"}, {"column_default", "TEXT"},
    {"column_comment", "TEXT"}};

// What a DESCRIBE or SHOW STATS of something other than a table says it is.
std::string NotATable(const ReadTarget& target, const std::string& qualified) {
  return qualified + (target.view.has_value() ? " is a view" : " is a system table");
}

// DESCRIBE of a view or a system table: the columns of its result, typed, nullable, with no
// key, default or comment.
Status DescribeResultColumns(const ReadTarget& target, Services& services,
                             const ExecutionContext& context, ResultSink& sink) {
  std::vector<ResultColumn> result_columns;
  if (target.view.has_value()) {
    KALAM_ASSIGN_OR_RETURN(const std::string body,
                           RewriteViewBody(services, context, *target.view));
    KALAM_ASSIGN_OR_RETURN(result_columns, services.engine.Describe(body));
  } else {
    result_columns = target.system_table->columns;
  }
  engine::SystemRows rows;
  int position = 0;
  for (const ResultColumn& column : result_columns) {
    rows.push_back({Value::Text(column.name), Value::Int32(++position),
                    Value::Text(column.data_type), Value::Boolean(true), Value::Boolean(false),
                    Value::Null(), Value::Null()});
  }
  SendRows(sink, kDescribeColumns, rows);
  return Status();
}

Status Describe(const DescribeTable& describe, Services& services, const ExecutionContext& context,
                ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const auto name, ResolveName(describe.table, context, "table"));
  // DESCRIBE shows what SELECT could read, and refuses what it would refuse.
  KALAM_ASSIGN_OR_RETURN(const ReadTarget target,
                         ResolveRead(services, context, name.first, name.second));
  if (target.table == nullptr) {
    if (describe.history) {
      return Status::InvalidArgument(NotATable(target, name.first + "." + name.second) +
                                     ": only tables have a schema history");
    }
    return DescribeResultColumns(target, services, context, sink);
  }
  const std::shared_ptr<const catalog::CachedTable>& table = target.table;
  if (describe.history) {
    KALAM_ASSIGN_OR_RETURN(const auto versions,
                           services.catalog.SchemaHistory(table->table.table_id));
    const std::vector<ResultColumn> columns = {{"schema_version", "INT"},
                                               {"change", "TEXT"},
                                               {"created_at", "TIMESTAMP"},
                                               {"columns", "TEXT"}};
    sink.BeginResult(columns);
    for (const catalog::SchemaVersionRecord& version : versions) {
      std::string list;
      for (const catalog::ColumnDefinition& column : version.columns) {
        list += (list.empty() ? "" : ", ") + column.name + " " + column.type.ToSql();
      }
      sink.Row(std::vector<Value>{Value::Int32(version.version), Value::Text(version.change),
                                  Value::TimestampMillis(version.created_at), Value::Text(list)});
    }
    sink.EndResult(versions.size(), "");
    return Status();
  }
  sink.BeginResult(kDescribeColumns);
  int position = 0;
  for (const catalog::ColumnDefinition& column : table->schema.columns) {
    const std::string default_sql = column.default_value.ToSql();
    sink.Row(std::vector<Value>{
        Value::Text(column.name), Value::Int32(++position), Value::Text(column.type.ToSql()),
        Value::Boolean(column.nullable), Value::Boolean(column.primary_key),
        default_sql.empty() ? Value::Null() : Value::Text(default_sql),
        column.comment.empty() ? Value::Null() : Value::Text(column.comment)});
  }
  sink.EndResult(table->schema.columns.size(), "");
  return Status();
}

Status Stats(const ShowStats& stats, Services& services, const ExecutionContext& context,
             ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const auto name, ResolveName(stats.table, context, "table"));
  // Stats describe what the caller could SELECT: the same check, and only their scope.
  KALAM_ASSIGN_OR_RETURN(const ReadTarget target,
                         ResolveRead(services, context, name.first, name.second));
  if (target.table == nullptr) {
    return Status::InvalidArgument(NotATable(target, name.first + "." + name.second) +
                                   ": SHOW STATS applies to tables");
  }
  const std::shared_ptr<const catalog::CachedTable>& table = target.table;
  const std::string scope = ScopeOf(*table, context);
  KALAM_ASSIGN_OR_RETURN(const uint64_t versions, tables::TableReader::CountVersions(
                                                      *StatementView(services), *table, scope));
  const uint64_t subscriptions =
      services.live == nullptr ? 0
                               : services.live->CountSubscriptions(table->table.table_id, scope);
  const std::vector<ResultColumn> columns = {{"table_name", "TEXT"},
                                             {"namespace", "TEXT"},
                                             {"table_type", "TEXT"},
                                             {"schema_version", "INT"},
                                             {"hot_row_versions", "BIGINT"},
                                             {"flushed_segments", "BIGINT"},
                                             {"active_subscriptions", "BIGINT"}};
  sink.BeginResult(columns);
  sink.Row(std::vector<Value>{Value::Text(name.second), Value::Text(name.first),
                              Value::Text(std::string(TableTypeName(table->table.table_type))),
                              Value::Int32(table->table.schema_version),
                              Value::Int64(static_cast<int64_t>(versions)),
                              Value::Int64(0),  // no cold segments exist before the flush issue
                              Value::Int64(static_cast<int64_t>(subscriptions))});
  sink.EndResult(1, "");
  return Status();
}

}  // namespace

Result<Handled> HandleShow(const Statement& statement, Services& services,
                           const ExecutionContext& context, ResultSink& sink) {
  if (const auto* show = std::get_if<ShowTables>(&statement)) {
    // The tables, views and system tables the caller may read: what SELECT would allow.
    std::optional<std::string> ns;
    if (show->namespace_id.has_value()) {
      KALAM_ASSIGN_OR_RETURN(ns, catalog::NormalizeName(*show->namespace_id, "namespace"));
      if (!IsSystemSchema(*ns)) {
        KALAM_ASSIGN_OR_RETURN(const auto found, services.catalog.GetNamespace(*ns));
        if (!found.has_value()) {
          return Status::NamespaceNotFound("Namespace '" + *ns + "' not found");
        }
      }
    }
    KALAM_ASSIGN_OR_RETURN(const engine::SystemRows rows,
                           services.system_tables.Listing(CallerMayRead(services, context), ns));
    SendRows(sink, services.system_tables.ListingColumns(), rows);
    return Handled{};
  }
  if (const auto* describe = std::get_if<DescribeTable>(&statement)) {
    KALAM_RETURN_IF_ERROR(Describe(*describe, services, context, sink));
    return Handled{};
  }
  KALAM_RETURN_IF_ERROR(Stats(std::get<ShowStats>(statement), services, context, sink));
  return Handled{};
}

}  // namespace kalam::sql

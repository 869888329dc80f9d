// The one translation unit that uses DuckDB's C++ parser (duckdb.hpp costs ~5 s to compile).
#include "engine/query_rewriter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "duckdb.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/comparison_expression.hpp"
#include "duckdb/parser/expression/conjunction_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/expression/parameter_expression.hpp"
#include "duckdb/parser/expression/star_expression.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/query_node/cte_node.hpp"
#include "duckdb/parser/query_node/recursive_cte_node.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/query_node/set_operation_node.hpp"
#include "duckdb/parser/simplified_token.hpp"
#include "duckdb/parser/statement/delete_statement.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/statement/update_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/expressionlistref.hpp"
#include "duckdb/parser/tableref/joinref.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "duckdb/parser/tableref/table_function_ref.hpp"
#include "engine/dml_analysis.h"

namespace kalam::engine {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

using NamePaths = std::vector<std::vector<std::string>>;

bool IsSystemColumn(const std::string& name) {
  return name == "_seq" || name == "_deleted";
}

// What DuckDB would make of a session name. Its binder reads a bare current_user,
// session_user, user, current_role, current_schema or current_catalog that names no column
// as a call of that function (an SQL value function), so a column of such a name could
// make `SELECT current_user` return anything the SQL likes. As in PostgreSQL, where they
// are reserved words, the bare name is always the function here; a column of that name is
// reached qualified (`t.user`).
enum class SessionValue : uint8_t {
  kNone,
  kCaller,   // current_user, session_user, user, current_role: the caller's name
  kVersion,  // version(): the server's version
  kDenied,   // current_schema, current_catalog: DuckDB's internals, refused like their calls
};

bool IsCallerName(const std::string& name) {
  return name == "current_user" || name == "session_user" || name == "user" ||
         name == "current_role";
}

SessionValue SessionValueOf(const duckdb::ParsedExpression& expression) {
  if (expression.GetExpressionClass() == duckdb::ExpressionClass::COLUMN_REF) {
    const auto& names = expression.Cast<duckdb::ColumnRefExpression>().column_names;
    if (names.size() != 1) return SessionValue::kNone;
    const std::string name = Lower(names[0]);
    if (IsCallerName(name)) return SessionValue::kCaller;
    if (name == "current_schema" || name == "current_catalog") return SessionValue::kDenied;
    return SessionValue::kNone;
  }
  if (expression.GetExpressionClass() != duckdb::ExpressionClass::FUNCTION) {
    return SessionValue::kNone;
  }
  // Calls with arguments, FILTER or DISTINCT are left to DuckDB, which refuses them all.
  const auto& function = expression.Cast<duckdb::FunctionExpression>();
  const bool plain = function.children.empty() && !function.filter && !function.distinct &&
                     (!function.order_bys || function.order_bys->orders.empty());
  if (!plain || !function.catalog.empty() ||
      (!function.schema.empty() && function.schema != "main")) {
    return SessionValue::kNone;
  }
  const std::string name = Lower(function.function_name);
  if (IsCallerName(name)) return SessionValue::kCaller;
  if (name == "version") return SessionValue::kVersion;
  return SessionValue::kNone;
}

void CollectSystemColumnRefs(duckdb::ParsedExpression& expression, NamePaths& out);

// Every system column reference in `node` and below it (a subquery expression may refer
// to the tables of the block it sits in).
void CollectSystemColumnRefs(duckdb::QueryNode& node, NamePaths& out) {
  duckdb::ParsedExpressionIterator::EnumerateQueryNodeChildren(
      node, [&](duckdb::unique_ptr<duckdb::ParsedExpression>& child) {
        if (child) CollectSystemColumnRefs(*child, out);
      });
}

void CollectSystemColumnRefs(duckdb::ParsedExpression& expression, NamePaths& out) {
  if (expression.GetExpressionClass() == duckdb::ExpressionClass::COLUMN_REF) {
    std::vector<std::string> path;
    for (const std::string& part : expression.Cast<duckdb::ColumnRefExpression>().column_names)
      path.push_back(Lower(part));
    if (!path.empty() && IsSystemColumn(path.back())) out.push_back(std::move(path));
  }
  if (expression.GetExpressionClass() == duckdb::ExpressionClass::SUBQUERY) {
    auto& subquery = expression.Cast<duckdb::SubqueryExpression>();
    if (subquery.subquery && subquery.subquery->node) {
      CollectSystemColumnRefs(*subquery.subquery->node, out);
    }
  }
  duckdb::ParsedExpressionIterator::EnumerateChildren(
      expression, [&](duckdb::ParsedExpression& child) { CollectSystemColumnRefs(child, out); });
}

// Join conditions of a FROM clause; derived tables are blocks of their own.
void CollectJoinConditionRefs(duckdb::TableRef& ref, NamePaths& out) {
  if (ref.type != duckdb::TableReferenceType::JOIN) return;
  auto& join = ref.Cast<duckdb::JoinRef>();
  if (join.left) CollectJoinConditionRefs(*join.left, out);
  if (join.right) CollectJoinConditionRefs(*join.right, out);
  if (join.condition) CollectSystemColumnRefs(*join.condition, out);
}

// The system column references of one SELECT block: its select list, WHERE, GROUP BY,
// HAVING, QUALIFY, ORDER BY/LIMIT, join conditions and the subqueries inside them — the
// places that can name a column of the block's own tables.
NamePaths SystemColumnRefs(duckdb::SelectNode& select) {
  NamePaths refs;
  const auto collect = [&](duckdb::unique_ptr<duckdb::ParsedExpression>& expression) {
    if (expression) CollectSystemColumnRefs(*expression, refs);
  };
  for (auto& expression : select.select_list)
    collect(expression);
  collect(select.where_clause);
  for (auto& expression : select.groups.group_expressions)
    collect(expression);
  collect(select.having);
  collect(select.qualify);
  duckdb::ParsedExpressionIterator::EnumerateQueryNodeModifiers(select, collect);
  if (select.from_table) CollectJoinConditionRefs(*select.from_table, refs);
  return refs;
}

Value LiteralOf(const duckdb::Value& value) {
  if (value.IsNull()) return Value::Null();
  switch (value.type().id()) {
    case duckdb::LogicalTypeId::BOOLEAN:
      return Value::Boolean(value.GetValue<bool>());
    case duckdb::LogicalTypeId::TINYINT:
    case duckdb::LogicalTypeId::SMALLINT:
    case duckdb::LogicalTypeId::INTEGER:
    case duckdb::LogicalTypeId::BIGINT:
      return Value::Int64(value.GetValue<int64_t>());
    case duckdb::LogicalTypeId::FLOAT:
    case duckdb::LogicalTypeId::DOUBLE:
      return Value::Double(value.GetValue<double>());
    case duckdb::LogicalTypeId::VARCHAR:
      return Value::Text(duckdb::StringValue::Get(value));
    default:  // DECIMAL, HUGEINT, …: exact text, coerced per column
      return Value{.kind = Value::Kind::kDecimal, .text = value.ToString()};
  }
}

InsertCell CellOf(const duckdb::ParsedExpression& expression) {
  switch (expression.GetExpressionClass()) {
    case duckdb::ExpressionClass::CONSTANT:
      return {.literal = LiteralOf(expression.Cast<duckdb::ConstantExpression>().value)};
    case duckdb::ExpressionClass::DEFAULT:
      return {.kind = InsertCell::Kind::kDefault};
    case duckdb::ExpressionClass::PARAMETER: {
      // Positional only when the identifier is all digits: $abc1 is a named parameter.
      const std::string& id = expression.Cast<duckdb::ParameterExpression>().identifier;
      size_t index = 0;
      const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), index);
      if (error == std::errc() && end == id.data() + id.size() && index > 0) {
        return {.kind = InsertCell::Kind::kParameter, .parameter = index};
      }
      break;  // a named parameter: evaluated (and refused) as an expression
    }
    default:
      break;
  }
  return {.kind = InsertCell::Kind::kExpression, .expression_sql = expression.ToString()};
}

// Walks one statement, replacing table references in place. The first error stops the
// walk (later visits return immediately) and is reported by Run().
class Rewriter {
 public:
  // `nodes` counts the parse-tree nodes seen so far, over this statement and every view
  // expanded into it.
  Rewriter(const TableResolver& resolver, const RewriteOptions& options, int depth, size_t& nodes)
      : resolver_(resolver), options_(options), depth_(depth), nodes_(nodes) {}

  Status Run(duckdb::SelectStatement& statement, const std::string& default_schema) {
    default_schema_ = default_schema;
    VisitNode(*statement.node);
    return error_;
  }

  // The declared columns of every table this rewriter resolved, by "schema.name".
  using Resolved = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;
  const Resolved& resolved() const { return resolved_; }

 private:
  bool failed() const { return !error_.ok(); }
  void Fail(Status status) {
    if (error_.ok()) error_ = std::move(status);
  }
  // Counts one more node; false (and the rewrite fails) past the bound. DuckDB's optimizer
  // ignores interrupts and is superlinear in the width of an AND/OR (a 50,000-term OR chain
  // holds a core for minutes), so statement size is bounded before DuckDB sees it.
  bool CountNode() {
    if (++nodes_ <= options_.max_parse_tree_nodes) return true;
    Fail(Status::InvalidArgument(
        "the statement is too large: more than " + std::to_string(options_.max_parse_tree_nodes) +
        " expressions and table references; use IN (…) instead of long OR chains, or split it"));
    return false;
  }

  void VisitStatement(duckdb::SelectStatement& statement) {
    if (statement.node) VisitNode(*statement.node);
  }

  void VisitNode(duckdb::QueryNode& node) { VisitNodeWithin(node, cte_scope_.size()); }

  // Visits `node` with DuckDB's CTE scoping: a CTE's body sees only the
  // CTEs listed before it, and its own name only in the recursive part of a RECURSIVE CTE;
  // the node itself sees them all. `base` is the scope outside the node's WITH list. DuckDB
  // keeps that list on every node of the chain it builds for it (CTENode → … → the main
  // node); each copy is scoped from `base`, so a copy is never visited with names pushed by
  // the chain. A name not in scope is a catalog reference and is resolved and checked.
  void VisitNodeWithin(duckdb::QueryNode& node, size_t base) {
    if (failed()) return;
    const std::vector<std::string> saved(cte_scope_.begin() + static_cast<ptrdiff_t>(base),
                                         cte_scope_.end());
    cte_scope_.resize(base);
    for (auto& [name, info] : node.cte_map.map) {
      if (info && info->query) VisitStatement(*info->query);
      cte_scope_.push_back(Lower(name));
    }
    switch (node.type) {
      case duckdb::QueryNodeType::SELECT_NODE:
        VisitSelect(node.Cast<duckdb::SelectNode>());
        break;
      case duckdb::QueryNodeType::SET_OPERATION_NODE: {
        auto& set = node.Cast<duckdb::SetOperationNode>();
        if (set.left) VisitNode(*set.left);
        if (set.right) VisitNode(*set.right);
        break;
      }
      case duckdb::QueryNodeType::RECURSIVE_CTE_NODE: {
        auto& cte = node.Cast<duckdb::RecursiveCTENode>();
        if (cte.left) VisitNode(*cte.left);  // the anchor does not see the CTE itself
        cte_scope_.push_back(Lower(cte.ctename));
        if (cte.right) VisitNode(*cte.right);
        cte_scope_.pop_back();
        break;
      }
      case duckdb::QueryNodeType::CTE_NODE:
        VisitCteChainLink(node.Cast<duckdb::CTENode>(), node.cte_map, base);
        break;
      default:
        Fail(Status::InvalidArgument("unsupported query form"));
    }
    duckdb::ParsedExpressionIterator::EnumerateQueryNodeModifiers(
        node,
        [this](duckdb::unique_ptr<duckdb::ParsedExpression>& child) { VisitExpression(child); });
    cte_scope_.resize(base);
    cte_scope_.insert(cte_scope_.end(), saved.begin(), saved.end());
  }

  // One CTE of a chain: its body sees the CTEs listed before it; the rest of the chain is
  // scoped from `base` again.
  void VisitCteChainLink(duckdb::CTENode& cte, const duckdb::CommonTableExpressionMap& ctes,
                         size_t base) {
    cte_scope_.resize(base);
    for (auto& [name, info] : ctes.map) {
      if (Lower(name) == Lower(cte.ctename)) break;
      cte_scope_.push_back(Lower(name));
    }
    if (cte.query) VisitNode(*cte.query);
    cte_scope_.resize(base);
    if (cte.child) VisitNodeWithin(*cte.child, base);
  }

  // What one SELECT block names of its tables' system columns, and what they expose.
  struct SelectScope {
    std::vector<std::vector<std::string>> system_column_refs;  // lower-cased name paths
    std::vector<std::pair<std::string, std::string>> exposed;  // (alias, system column)
    const duckdb::ParsedExpression* where = nullptr;
  };

  void VisitSelect(duckdb::SelectNode& select) {
    SelectScope scope{SystemColumnRefs(select), {}, select.where_clause.get()};
    SelectScope* const outer = select_scope_;
    select_scope_ = &scope;
    if (select.from_table) VisitRef(select.from_table);
    select_scope_ = outer;
    for (auto& expression : select.select_list) {
      // A replaced session value is named after its function, as in PostgreSQL.
      if (expression->alias.empty() && SessionValueOf(*expression) != SessionValue::kNone) {
        expression->alias = expression->GetExpressionClass() == duckdb::ExpressionClass::FUNCTION
                                ? expression->Cast<duckdb::FunctionExpression>().function_name
                                : expression->Cast<duckdb::ColumnRefExpression>().column_names[0];
      }
    }
    for (auto& expression : select.select_list)
      ExcludeFromStars(*expression, scope.exposed);
    for (auto& expression : select.select_list)
      VisitExpression(expression);
    VisitExpression(select.where_clause);
    for (auto& expression : select.groups.group_expressions)
      VisitExpression(expression);
    VisitExpression(select.having);
    VisitExpression(select.qualify);
  }

  // `*` and `alias.*` never include system columns, even those the block names elsewhere
  // (`SELECT *, _seq` has one _seq).
  static void ExcludeFromStars(duckdb::ParsedExpression& expression,
                               const std::vector<std::pair<std::string, std::string>>& exposed) {
    if (exposed.empty() || expression.GetExpressionClass() == duckdb::ExpressionClass::SUBQUERY) {
      return;
    }
    if (expression.GetExpressionClass() == duckdb::ExpressionClass::STAR) {
      auto& star = expression.Cast<duckdb::StarExpression>();
      if (star.expr) return;  // COLUMNS(<list or regex>) names its own columns
      for (const auto& [alias, column] : exposed) {
        if (star.relation_name.empty()) {
          star.exclude_list.insert(duckdb::QualifiedColumnName(alias, column));
        } else if (Lower(star.relation_name) == Lower(alias)) {
          star.exclude_list.insert(duckdb::QualifiedColumnName(column));
        }
      }
      return;
    }
    duckdb::ParsedExpressionIterator::EnumerateChildren(
        expression, [&](duckdb::ParsedExpression& child) { ExcludeFromStars(child, exposed); });
  }

  void VisitExpression(duckdb::unique_ptr<duckdb::ParsedExpression>& expression) {
    if (failed() || !expression || !CountNode()) return;
    if (ReplaceSessionValue(expression)) return;
    if (expression->GetExpressionClass() == duckdb::ExpressionClass::FUNCTION) {
      CheckScalarFunction(expression->Cast<duckdb::FunctionExpression>());
      if (failed()) return;
    }
    if (expression->GetExpressionClass() == duckdb::ExpressionClass::SUBQUERY) {
      auto& subquery = expression->Cast<duckdb::SubqueryExpression>();
      if (subquery.subquery) VisitStatement(*subquery.subquery);
    }
    duckdb::ParsedExpressionIterator::EnumerateChildren(
        *expression,
        [this](duckdb::unique_ptr<duckdb::ParsedExpression>& child) { VisitExpression(child); });
  }

  void VisitRef(duckdb::unique_ptr<duckdb::TableRef>& ref) {
    if (failed() || !ref || !CountNode()) return;
    switch (ref->type) {
      case duckdb::TableReferenceType::BASE_TABLE:
        ReplaceBaseTable(ref);
        return;
      case duckdb::TableReferenceType::JOIN: {
        auto& join = ref->Cast<duckdb::JoinRef>();
        VisitRef(join.left);
        VisitRef(join.right);
        VisitExpression(join.condition);
        return;
      }
      case duckdb::TableReferenceType::SUBQUERY: {
        auto& subquery = ref->Cast<duckdb::SubqueryRef>();
        if (subquery.subquery) VisitStatement(*subquery.subquery);
        return;
      }
      case duckdb::TableReferenceType::TABLE_FUNCTION:
        CheckTableFunction(ref->Cast<duckdb::TableFunctionRef>());
        return;
      case duckdb::TableReferenceType::EXPRESSION_LIST: {
        for (auto& row : ref->Cast<duckdb::ExpressionListRef>().values) {
          for (auto& value : row)
            VisitExpression(value);
        }
        return;
      }
      case duckdb::TableReferenceType::EMPTY_FROM:
        return;
      default:
        Fail(Status::InvalidArgument("this kind of FROM clause is not supported"));
    }
  }

  // Replaces a session value (SessionValueOf) by the server's literal, or refuses it.
  // Returns whether `expression` was one. Only a select-list item keeps an alias (VisitSelect
  // sets it): DuckDB prints the alias of a call's argument as a named argument.
  bool ReplaceSessionValue(duckdb::unique_ptr<duckdb::ParsedExpression>& expression) {
    const SessionValue kind = SessionValueOf(*expression);
    if (kind == SessionValue::kNone) return false;
    if (kind == SessionValue::kDenied) {
      Fail(Status::PermissionDenied("function '" + expression->GetName() +
                                    "' is not allowed (a column of that name must be qualified)"));
      return true;
    }
    auto literal = duckdb::make_uniq<duckdb::ConstantExpression>(duckdb::Value(
        kind == SessionValue::kCaller ? options_.current_user : options_.server_version));
    literal->alias = expression->alias;
    expression = std::move(literal);
    return true;
  }

  // Functions that read DuckDB's configuration, catalog or session state (settings hold
  // the data directory; the pg_* and has_* macros read duckdb_*() internally, out of the
  // rewriter's sight; json_serialize_plan binds SQL given as text) are refused, as is any
  // schema-qualified call (pg_catalog.…), except in `main`, where DuckDB's parser itself
  // places the functions it generates (list literals are main.list_value, struct literals
  // main.struct_pack) and where every name is still checked.
  void CheckScalarFunction(const duckdb::FunctionExpression& function) {
    static const std::set<std::string> kDenied = {
        "current_setting", "getvariable",           "current_query",          "current_query_id",
        "current_schema",  "current_schemas",       "current_catalog",        "current_database",
        "in_search_path",  "current_connection_id", "current_transaction_id", "txid_current",
        "col_description", "obj_description",       "shobj_description",      "format_type",
        "format_pg_type",  "map_to_pg_oid",         "get_block_size",         "stats",
        "write_log",       "json_serialize_plan",   "which_secret",           "getenv"};
    const std::string name = Lower(function.function_name);
    const bool internal =
        name.starts_with("pg_") && name != "pg_typeof" && name != "pg_size_pretty";
    const bool qualified =
        !function.catalog.empty() || (!function.schema.empty() && function.schema != "main");
    if (qualified || internal || name.starts_with("has_") || name.starts_with("duckdb_") ||
        name.starts_with("__internal") || kDenied.contains(name)) {
      Fail(Status::PermissionDenied("function '" + function.function_name + "' is not allowed"));
    }
  }

  void CheckTableFunction(duckdb::TableFunctionRef& ref) {
    if (!ref.function || ref.function->GetExpressionClass() != duckdb::ExpressionClass::FUNCTION) {
      return Fail(Status::InvalidArgument("unsupported table function call"));
    }
    auto& function = ref.function->Cast<duckdb::FunctionExpression>();
    const std::string name = Lower(function.function_name);
    const auto& allowed = options_.allowed_table_functions;
    if (!function.schema.empty() || !function.catalog.empty() ||
        std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Fail(Status::PermissionDenied("table function '" + function.function_name +
                                           "' is not allowed"));
    }
    for (auto& argument : function.children)
      VisitExpression(argument);
    if (ref.subquery) VisitStatement(*ref.subquery);
  }

  void ReplaceBaseTable(duckdb::unique_ptr<duckdb::TableRef>& ref) {
    auto& table = ref->Cast<duckdb::BaseTableRef>();
    const std::string schema = Lower(table.schema_name);
    const std::string name = Lower(table.table_name);
    if (!table.catalog_name.empty()) {
      return Fail(
          Status::InvalidArgument("three-part table names are not supported: " + table.ToString()));
    }
    if (table.at_clause) return Fail(Status::InvalidArgument("AT (time travel) is not supported"));
    if (schema.empty() &&
        std::find(cte_scope_.begin(), cte_scope_.end(), name) != cte_scope_.end()) {
      return;  // a CTE, not a table
    }
    const std::string alias = table.alias.empty() ? table.table_name : table.alias;
    Result<TableReplacement> replacement = resolver_({.schema = schema,
                                                      .name = name,
                                                      .default_schema = default_schema_,
                                                      .names_seq = Names(alias, "_seq"),
                                                      .names_deleted = Names(alias, "_deleted"),
                                                      .filters = FiltersOn(alias)});
    if (!replacement.ok()) return Fail(replacement.status());
    resolved_[(schema.empty() ? default_schema_ : schema) + "." + name] =
        replacement->declared_columns;
    if (select_scope_ != nullptr) {
      for (const std::string& column : replacement->system_columns)
        select_scope_->exposed.emplace_back(alias, column);
    }
    auto column_aliases = std::move(table.column_name_alias);
    if (replacement->view_sql.has_value()) {
      ref = ExpandView(*replacement, alias);
    } else {
      auto function_ref = duckdb::make_uniq<duckdb::TableFunctionRef>();
      duckdb::vector<duckdb::unique_ptr<duckdb::ParsedExpression>> arguments;
      for (const std::string& argument : replacement->arguments) {
        arguments.push_back(duckdb::make_uniq<duckdb::ConstantExpression>(duckdb::Value(argument)));
      }
      function_ref->function = duckdb::make_uniq<duckdb::FunctionExpression>(
          replacement->table_function, std::move(arguments));
      function_ref->alias = alias;
      ref = std::move(function_ref);
    }
    if (ref) ref->column_name_alias = std::move(column_aliases);
  }

  duckdb::unique_ptr<duckdb::TableRef> ExpandView(const TableReplacement& view,
                                                  const std::string& alias) {
    if (depth_ >= options_.max_view_depth) {
      Fail(Status::InvalidArgument("views are nested more than " +
                                   std::to_string(options_.max_view_depth) + " levels deep"));
      return nullptr;
    }
    duckdb::Parser parser;
    parser.ParseQuery(*view.view_sql);
    if (parser.statements.size() != 1 ||
        parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT) {
      Fail(Status::Corruption("view body is not a single SELECT"));
      return nullptr;
    }
    auto statement = duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(
        std::move(parser.statements[0]));
    RewriteOptions inner_options = options_;
    if (view.trusted) inner_options.allowed_table_functions.emplace_back("kalam_scan");
    Rewriter inner(resolver_, inner_options, depth_ + 1, nodes_);
    const Status status = inner.Run(*statement, view.view_namespace);
    if (!status.ok()) {
      Fail(status);
      return nullptr;
    }
    auto subquery = duckdb::make_uniq<duckdb::SubqueryRef>(std::move(statement), alias);
    return subquery;
  }

  // The filters of the current SELECT block's WHERE on columns of the reference `alias`
  // (unqualified, or qualified by the alias).
  std::vector<ColumnFilter> FiltersOn(const std::string& alias) const {
    std::vector<ColumnFilter> filters;
    if (select_scope_ != nullptr && select_scope_->where != nullptr) {
      CollectFilters(*select_scope_->where, Lower(alias), filters);
    }
    return filters;
  }

  static void CollectFilters(const duckdb::ParsedExpression& expression, const std::string& alias,
                             std::vector<ColumnFilter>& filters) {
    using duckdb::ExpressionType;
    if (expression.GetExpressionType() == ExpressionType::CONJUNCTION_AND) {
      for (const auto& child : expression.Cast<duckdb::ConjunctionExpression>().children) {
        CollectFilters(*child, alias, filters);
      }
      return;
    }
    static constexpr std::pair<ExpressionType, ColumnFilter::Op> kOps[] = {
        {ExpressionType::COMPARE_EQUAL, ColumnFilter::Op::kEq},
        {ExpressionType::COMPARE_LESSTHAN, ColumnFilter::Op::kLt},
        {ExpressionType::COMPARE_LESSTHANOREQUALTO, ColumnFilter::Op::kLe},
        {ExpressionType::COMPARE_GREATERTHAN, ColumnFilter::Op::kGt},
        {ExpressionType::COMPARE_GREATERTHANOREQUALTO, ColumnFilter::Op::kGe}};
    const auto op = std::find_if(std::begin(kOps), std::end(kOps), [&](const auto& entry) {
      return entry.first == expression.GetExpressionType();
    });
    if (op == std::end(kOps)) return;
    const auto& comparison = expression.Cast<duckdb::ComparisonExpression>();
    const duckdb::ParsedExpression* column = comparison.left.get();
    const duckdb::ParsedExpression* operand = comparison.right.get();
    ColumnFilter::Op filter_op = op->second;
    if (column->GetExpressionClass() != duckdb::ExpressionClass::COLUMN_REF) {
      std::swap(column, operand);
      filter_op = Mirrored(filter_op);
    }
    // A session name (`user = 'x'`) is the caller's name, not a column.
    if (column->GetExpressionClass() != duckdb::ExpressionClass::COLUMN_REF ||
        SessionValueOf(*column) != SessionValue::kNone) {
      return;
    }
    const auto& names = column->Cast<duckdb::ColumnRefExpression>().column_names;
    if (names.empty() || names.size() > 2 || (names.size() == 2 && Lower(names[0]) != alias)) {
      return;
    }
    InsertCell cell = CellOf(*operand);
    if (cell.kind != InsertCell::Kind::kLiteral && cell.kind != InsertCell::Kind::kParameter) {
      return;
    }
    filters.push_back({.column = Lower(names.back()), .op = filter_op, .operand = std::move(cell)});
  }

  // The operator with its sides swapped: `5 < id` is `id > 5`.
  static ColumnFilter::Op Mirrored(ColumnFilter::Op op) {
    switch (op) {
      case ColumnFilter::Op::kLt:
        return ColumnFilter::Op::kGt;
      case ColumnFilter::Op::kLe:
        return ColumnFilter::Op::kGe;
      case ColumnFilter::Op::kGt:
        return ColumnFilter::Op::kLt;
      case ColumnFilter::Op::kGe:
        return ColumnFilter::Op::kLe;
      case ColumnFilter::Op::kEq:
        return ColumnFilter::Op::kEq;
    }
    return op;
  }

  // Whether the current SELECT block names `column` of the table reference `alias`.
  bool Names(const std::string& alias, std::string_view column) const {
    if (select_scope_ == nullptr) return false;
    const std::string lower_alias = Lower(alias);
    for (const std::vector<std::string>& path : select_scope_->system_column_refs) {
      if (path.back() == column && (path.size() == 1 || path[path.size() - 2] == lower_alias)) {
        return true;
      }
    }
    return false;
  }

  const TableResolver& resolver_;
  const RewriteOptions& options_;
  const int depth_;
  size_t& nodes_;
  std::string default_schema_;
  std::vector<std::string> cte_scope_;
  SelectScope* select_scope_ = nullptr;  // the SELECT block whose FROM is being visited
  Resolved resolved_;
  Status error_;
};

// The outermost SELECT's result columns as the parsed tree shows them, taken before the
// rewrite replaces its tables: which relation each `*` expands and which column each plain
// column reference names. Resolved against the declared columns of the tables afterwards.
class ResultShape {
 public:
  ResultShape(const duckdb::SelectStatement& statement, const std::string& default_schema) {
    if (!statement.node || statement.node->type != duckdb::QueryNodeType::SELECT_NODE) {
      known_ = false;
      return;
    }
    const auto& select = statement.node->Cast<duckdb::SelectNode>();
    for (const auto& [name, info] : select.cte_map.map)
      ctes_.push_back(Lower(name));
    if (select.from_table) CollectRelations(*select.from_table, default_schema);
    for (const auto& expression : select.select_list)
      AddOutput(*expression);
  }

  std::vector<std::optional<std::string>> DeclaredTypes(const Rewriter::Resolved& resolved) const {
    if (!known_) return {};
    std::vector<std::optional<std::string>> types;
    for (const Output& output : outputs_) {
      if (output.star) {
        for (const Relation& relation : relations_) {
          if (!output.relation.empty() && relation.alias != output.relation) continue;
          const auto* columns = ColumnsOf(relation, resolved);
          if (columns == nullptr) return {};  // cannot count its columns
          for (const auto& column : *columns)
            types.emplace_back(column.second);
        }
      } else {
        types.push_back(output.column.empty() ? std::nullopt : TypeOf(output, resolved));
      }
    }
    return types;
  }

 private:
  struct Relation {
    std::string alias;  // lower case
    std::string table;  // "schema.name"; empty for anything that is not a plain table
  };
  struct Output {
    bool star = false;
    std::string relation;  // the qualifier of `t.*` / `t.col`, lower case
    std::string column;    // the column a plain reference names ("" for any other expression)
  };

  void CollectRelations(const duckdb::TableRef& ref, const std::string& default_schema) {
    if (ref.type == duckdb::TableReferenceType::BASE_TABLE) {
      const auto& table = ref.Cast<duckdb::BaseTableRef>();
      const std::string schema = Lower(table.schema_name);
      const std::string name = Lower(table.table_name);
      const bool cte = schema.empty() && std::find(ctes_.begin(), ctes_.end(), name) != ctes_.end();
      const bool renamed = !table.column_name_alias.empty();
      relations_.push_back({Lower(table.alias.empty() ? table.table_name : table.alias),
                            cte || renamed || !table.catalog_name.empty()
                                ? ""
                                : (schema.empty() ? default_schema : schema) + "." + name});
    } else if (ref.type == duckdb::TableReferenceType::JOIN) {
      const auto& join = ref.Cast<duckdb::JoinRef>();
      // NATURAL and USING joins merge columns of both sides: a `*` no longer counts them.
      const bool plain = join.ref_type == duckdb::JoinRefType::REGULAR ||
                         join.ref_type == duckdb::JoinRefType::CROSS;
      if (!plain || !join.using_columns.empty()) known_ = false;
      if (join.left) CollectRelations(*join.left, default_schema);
      if (join.right) CollectRelations(*join.right, default_schema);
    } else if (ref.type != duckdb::TableReferenceType::EMPTY_FROM) {
      relations_.push_back({Lower(ref.alias), ""});
    }
  }

  void AddOutput(const duckdb::ParsedExpression& expression) {
    if (expression.GetExpressionClass() == duckdb::ExpressionClass::STAR) {
      const auto& star = expression.Cast<duckdb::StarExpression>();
      const bool plain = star.exclude_list.empty() && star.replace_list.empty() &&
                         star.rename_list.empty() && !star.expr && !star.columns;
      if (!plain) known_ = false;
      outputs_.push_back({.star = true, .relation = Lower(star.relation_name)});
      return;
    }
    // A session name is the caller's name or the version, not a column (SessionValueOf).
    if (expression.GetExpressionClass() == duckdb::ExpressionClass::COLUMN_REF &&
        SessionValueOf(expression) == SessionValue::kNone) {
      const auto& ref = expression.Cast<duckdb::ColumnRefExpression>();
      if (ref.column_names.size() == 1) {
        outputs_.push_back({.column = Lower(ref.column_names[0])});
        return;
      }
      if (ref.column_names.size() == 2) {
        outputs_.push_back(
            {.relation = Lower(ref.column_names[0]), .column = Lower(ref.column_names[1])});
        return;
      }
    }
    outputs_.push_back({});
  }

  static const std::vector<std::pair<std::string, std::string>>* ColumnsOf(
      const Relation& relation, const Rewriter::Resolved& resolved) {
    if (relation.table.empty()) return nullptr;
    const auto found = resolved.find(relation.table);
    if (found == resolved.end() || found->second.empty()) return nullptr;
    return &found->second;
  }

  // The declared type of the column a plain reference names: in the relation it qualifies,
  // or in the one relation holding a column of that name (none when a relation's columns
  // are unknown: it might hold the name too).
  std::optional<std::string> TypeOf(const Output& output,
                                    const Rewriter::Resolved& resolved) const {
    std::optional<std::string> type;
    for (const Relation& relation : relations_) {
      if (!output.relation.empty() && relation.alias != output.relation) continue;
      const auto* columns = ColumnsOf(relation, resolved);
      if (columns == nullptr) return std::nullopt;
      for (const auto& [name, declared] : *columns) {
        if (Lower(name) != output.column) continue;
        if (type.has_value()) return std::nullopt;  // ambiguous: DuckDB will say so
        type = declared;
      }
    }
    return type;
  }

  bool known_ = true;
  std::vector<std::string> ctes_;
  std::vector<Relation> relations_;
  std::vector<Output> outputs_;
};

}  // namespace

namespace {

// A DuckDB parser exception as a status. DuckDB wraps the message in JSON with its type
// and, for syntax errors, the 0-based byte offset in the text it parsed (the user's own
// statement, so the position is the user's).
Status ParserError(const std::exception& e) {
  const std::string message = e.what();
  boost::system::error_code error;
  const boost::json::value parsed =
      message.starts_with("{") ? boost::json::parse(message, error) : boost::json::value();
  if (error || !parsed.is_object()) return Status::InvalidArgument(message);
  const boost::json::object& fields = parsed.as_object();
  const boost::json::value* text = fields.if_contains("exception_message");
  std::string what =
      text != nullptr && text->is_string() ? std::string(text->as_string()) : message;
  const boost::json::value* type = fields.if_contains("exception_type");
  const bool is_parser_error =
      type != nullptr && type->is_string() && std::string_view(type->as_string()) == "Parser";
  if (!is_parser_error) {
    return Status::InvalidArgument(std::move(what));
  }
  const boost::json::value* position = fields.if_contains("position");
  size_t offset = 0;
  if (position != nullptr && position->is_string()) {
    offset = std::strtoull(position->as_string().c_str(), nullptr, 10);
  }
  if (what.starts_with("syntax error ")) what.erase(0, std::string_view("syntax error ").size());
  return Status::SyntaxError("syntax error at position " + std::to_string(offset + 1) + ": " +
                             what);
}

// AND/OR operators one statement may hold. DuckDB's parser is quadratic in the length of a
// chain of them (50,000 terms: 2 s) and cannot be interrupted, so they are counted on the
// tokens before it runs; the parse-tree bound (RewriteOptions) then covers everything else.
constexpr size_t kMaxConjunctions = 5000;

// Parses `sql` into `parser` unless it holds more than kMaxConjunctions AND/OR operators.
Status ParseBounded(duckdb::Parser& parser, std::string_view sql) {
  const std::string text(sql);
  size_t conjunctions = 0;
  for (const duckdb::SimplifiedToken& token : duckdb::Parser::Tokenize(text)) {
    if (token.type != duckdb::SimplifiedTokenType::SIMPLIFIED_TOKEN_KEYWORD) continue;
    const std::string word = Lower(text.substr(token.start, 4));
    const bool is_or = word.starts_with("or") &&
                       (word.size() == 2 || !std::isalnum(static_cast<unsigned char>(word[2])));
    const bool is_and = word.starts_with("and") &&
                        (word.size() == 3 || !std::isalnum(static_cast<unsigned char>(word[3])));
    if ((is_or || is_and) && ++conjunctions > kMaxConjunctions) {
      return Status::InvalidArgument("the statement is too large: more than " +
                                     std::to_string(kMaxConjunctions) +
                                     " AND/OR operators; use IN (…) or split it");
    }
  }
  parser.ParseQuery(text);
  return Status();
}

std::optional<KeyEquality> KeyEqualityOf(duckdb::ParsedExpression* where) {
  if (where == nullptr || where->GetExpressionType() != duckdb::ExpressionType::COMPARE_EQUAL) {
    return std::nullopt;
  }
  auto& comparison = where->Cast<duckdb::ComparisonExpression>();
  duckdb::ParsedExpression* column = comparison.left.get();
  duckdb::ParsedExpression* value = comparison.right.get();
  if (column->GetExpressionClass() != duckdb::ExpressionClass::COLUMN_REF) std::swap(column, value);
  if (column->GetExpressionClass() != duckdb::ExpressionClass::COLUMN_REF) return std::nullopt;
  const auto& column_ref = column->Cast<duckdb::ColumnRefExpression>();
  if (column_ref.column_names.size() != 1 || SessionValueOf(*column) != SessionValue::kNone) {
    return std::nullopt;  // `user = 'x'` compares the caller's name, not a column
  }
  KeyEquality key{.column = Lower(column_ref.column_names[0]), .value = CellOf(*value)};
  if (key.value.kind != InsertCell::Kind::kLiteral &&
      key.value.kind != InsertCell::Kind::kParameter) {
    return std::nullopt;
  }
  return key;
}

}  // namespace

Result<InsertPlan> AnalyzeInsert(std::string_view sql) {
  try {
    duckdb::Parser parser;
    KALAM_RETURN_IF_ERROR(ParseBounded(parser, sql));
    if (parser.statements.size() != 1 ||
        parser.statements[0]->type != duckdb::StatementType::INSERT_STATEMENT) {
      return Status::InvalidArgument("expected exactly one INSERT statement");
    }
    auto& insert = parser.statements[0]->Cast<duckdb::InsertStatement>();
    if (!insert.returning_list.empty())
      return Status::InvalidArgument("RETURNING is not supported");
    if (insert.on_conflict_info) {
      return Status::InvalidArgument(
          "ON CONFLICT is not supported: a duplicate primary key fails "
          "the statement");
    }
    if (insert.column_order == duckdb::InsertColumnOrder::INSERT_BY_NAME) {
      return Status::InvalidArgument("INSERT … BY NAME is not supported; list the columns");
    }
    if (!insert.cte_map.map.empty())
      return Status::InvalidArgument("WITH … INSERT is not supported");
    if (!insert.catalog.empty()) {
      return Status::InvalidArgument("three-part table names are not supported");
    }
    InsertPlan plan{.schema = Lower(insert.schema), .table = Lower(insert.table)};
    for (const std::string& column : insert.columns)
      plan.columns.push_back(Lower(column));
    if (insert.default_values) {
      plan.rows.emplace_back();
      return plan;
    }
    if (const auto values = insert.GetValuesList(); values != nullptr) {
      for (auto& row : values->values) {
        std::vector<InsertCell> cells;
        cells.reserve(row.size());
        for (auto& expression : row)
          cells.push_back(CellOf(*expression));
        plan.rows.push_back(std::move(cells));
      }
      return plan;
    }
    if (!insert.select_statement) return Status::InvalidArgument("INSERT needs VALUES or a SELECT");
    plan.select_sql = insert.select_statement->ToString();
    return plan;
  } catch (const std::exception& e) {
    return ParserError(e);
  }
}

namespace {

// The schema and name of a DML target, which must be a plain table reference.
Status TargetOf(duckdb::TableRef& ref, std::string& schema, std::string& table) {
  if (ref.type != duckdb::TableReferenceType::BASE_TABLE) {
    return Status::InvalidArgument("the target must be a table");
  }
  auto& base = ref.Cast<duckdb::BaseTableRef>();
  if (!base.catalog_name.empty()) {
    return Status::InvalidArgument("three-part table names are not supported");
  }
  if (!base.alias.empty())
    return Status::InvalidArgument("an alias on the target table is not supported");
  schema = Lower(base.schema_name);
  table = Lower(base.table_name);
  return Status();
}

template <typename Statement>
Result<Statement*> SingleStatement(duckdb::Parser& parser, std::string_view sql,
                                   duckdb::StatementType type, std::string_view verb) {
  KALAM_RETURN_IF_ERROR(ParseBounded(parser, sql));
  if (parser.statements.size() != 1 || parser.statements[0]->type != type) {
    return Status::InvalidArgument("expected exactly one " + std::string(verb) + " statement");
  }
  auto& statement = parser.statements[0]->Cast<Statement>();
  if (!statement.returning_list.empty())
    return Status::InvalidArgument("RETURNING is not supported");
  if (!statement.cte_map.map.empty()) {
    return Status::InvalidArgument("WITH … " + std::string(verb) + " is not supported");
  }
  return &statement;
}

}  // namespace

Result<UpdatePlan> AnalyzeUpdate(std::string_view sql) {
  try {
    duckdb::Parser parser;
    KALAM_ASSIGN_OR_RETURN(duckdb::UpdateStatement * update,
                           SingleStatement<duckdb::UpdateStatement>(
                               parser, sql, duckdb::StatementType::UPDATE_STATEMENT, "UPDATE"));
    if (update->from_table) return Status::InvalidArgument("UPDATE … FROM is not supported");
    UpdatePlan plan;
    KALAM_RETURN_IF_ERROR(TargetOf(*update->table, plan.schema, plan.table));
    const duckdb::UpdateSetInfo& set = *update->set_info;
    for (size_t i = 0; i < set.columns.size(); ++i) {
      plan.assignments.emplace_back(Lower(set.columns[i]), set.expressions[i]->ToString());
      plan.values.push_back(CellOf(*set.expressions[i]));
    }
    if (set.condition) plan.where_sql = set.condition->ToString();
    plan.key_equality = KeyEqualityOf(set.condition.get());
    return plan;
  } catch (const std::exception& e) {
    return ParserError(e);
  }
}

Result<DeletePlan> AnalyzeDelete(std::string_view sql) {
  try {
    duckdb::Parser parser;
    KALAM_ASSIGN_OR_RETURN(duckdb::DeleteStatement * remove,
                           SingleStatement<duckdb::DeleteStatement>(
                               parser, sql, duckdb::StatementType::DELETE_STATEMENT, "DELETE"));
    if (!remove->using_clauses.empty())
      return Status::InvalidArgument("DELETE … USING is not supported");
    DeletePlan plan;
    KALAM_RETURN_IF_ERROR(TargetOf(*remove->table, plan.schema, plan.table));
    if (remove->condition) plan.where_sql = remove->condition->ToString();
    plan.key_equality = KeyEqualityOf(remove->condition.get());
    return plan;
  } catch (const std::exception& e) {
    return ParserError(e);
  }
}

std::optional<PointSelect> AnalyzePointSelect(std::string_view sql) {
  try {
    duckdb::Parser parser;
    if (!ParseBounded(parser, sql).ok()) return std::nullopt;  // the query path reports it
    if (parser.statements.size() != 1 ||
        parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT) {
      return std::nullopt;
    }
    auto& statement = parser.statements[0]->Cast<duckdb::SelectStatement>();
    if (statement.node->type != duckdb::QueryNodeType::SELECT_NODE) return std::nullopt;
    auto& node = statement.node->Cast<duckdb::SelectNode>();
    if (!node.modifiers.empty() || !node.cte_map.map.empty() ||
        !node.groups.group_expressions.empty() || node.having || node.qualify || node.sample ||
        !node.where_clause || !node.from_table ||
        node.from_table->type != duckdb::TableReferenceType::BASE_TABLE) {
      return std::nullopt;
    }
    auto& table = node.from_table->Cast<duckdb::BaseTableRef>();
    if (!table.catalog_name.empty() || table.at_clause || !table.column_name_alias.empty()) {
      return std::nullopt;
    }
    PointSelect point{.schema = Lower(table.schema_name), .table = Lower(table.table_name)};
    for (const auto& expression : node.select_list) {
      if (expression->GetExpressionClass() == duckdb::ExpressionClass::STAR) {
        const auto& star = expression->Cast<duckdb::StarExpression>();
        if (node.select_list.size() != 1 || !star.relation_name.empty() ||
            !star.exclude_list.empty() || !star.replace_list.empty() || star.expr || star.columns) {
          return std::nullopt;
        }
        continue;
      }
      if (expression->GetExpressionClass() != duckdb::ExpressionClass::COLUMN_REF ||
          !expression->alias.empty()) {
        return std::nullopt;
      }
      const auto& column = expression->Cast<duckdb::ColumnRefExpression>();
      if (column.column_names.size() != 1 || SessionValueOf(column) != SessionValue::kNone) {
        return std::nullopt;
      }
      point.columns.push_back(Lower(column.column_names[0]));
    }
    std::optional<KeyEquality> key = KeyEqualityOf(node.where_clause.get());
    if (!key.has_value()) return std::nullopt;
    point.key = std::move(*key);
    return point;
  } catch (const std::exception&) {
    return std::nullopt;  // the query path reports the syntax error
  }
}

Result<std::string> RewriteSelect(std::string_view sql, const TableResolver& resolver,
                                  const RewriteOptions& options,
                                  std::vector<std::optional<std::string>>* declared_types) {
  try {
    duckdb::Parser parser;
    KALAM_RETURN_IF_ERROR(ParseBounded(parser, sql));
    if (parser.statements.size() != 1) {
      return Status::InvalidArgument("expected exactly one statement, found " +
                                     std::to_string(parser.statements.size()));
    }
    if (parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT) {
      return Status::InvalidArgument("only SELECT queries are supported here");
    }
    auto statement = duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(
        std::move(parser.statements[0]));
    size_t nodes = 0;
    const ResultShape shape(*statement, options.default_schema);
    Rewriter rewriter(resolver, options, 0, nodes);
    KALAM_RETURN_IF_ERROR(rewriter.Run(*statement, options.default_schema));
    if (declared_types != nullptr) *declared_types = shape.DeclaredTypes(rewriter.resolved());
    return statement->ToString();
  } catch (const std::exception& e) {
    // DuckDB's parser reports errors by throwing; its message names the problem.
    return ParserError(e);
  }
}

}  // namespace kalam::engine

#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "engine/dml_analysis.h"

namespace kalam::engine {

// What a table name in a query is replaced by: a table function call (system tables,
// and later the scoped hot/cold scans), or a view's SELECT expanded in place.
struct TableReplacement {
  std::string table_function;           // e.g. "kalam_system"
  std::vector<std::string> arguments;   // string literal arguments
  std::optional<std::string> view_sql;  // set for views: expanded, rewritten recursively
  std::string view_namespace;           // unqualified names inside the view resolve here
  bool trusted = false;  // SQL built by the server (may call kalam_scan), not a user's view
  // System columns (_seq, _deleted) the replacement exposes: never part of its `*`.
  std::vector<std::string> system_columns;
  // A table's columns with their declared types ("DATETIME", "EMBEDDING(384)"), in order;
  // empty when not known (views, system tables).
  std::vector<std::pair<std::string, std::string>> declared_columns;
};

// A conjunct of the WHERE of a reference's SELECT block that compares one of its columns
// with a constant: `id = 5`, `t._seq > $1` (either side). Only AND-ed comparisons at the top
// of the WHERE; each rejects NULL, so it may narrow the scan even below an outer join.
// A hint for the scan: DuckDB still applies the whole WHERE.
struct ColumnFilter {
  enum class Op : uint8_t { kEq, kLt, kLe, kGt, kGe };
  std::string column;  // lower case
  Op op = Op::kEq;
  InsertCell operand;  // kLiteral or kParameter
};

// One table reference of a query, as the parsed tree names it.
struct TableReference {
  std::string schema;          // empty when the query did not qualify the name
  std::string name;            // lower-cased, like `schema`
  std::string default_schema;  // where unqualified names live
  // Whether the query block of this reference names `_seq` / `_deleted` of it (unqualified,
  // or qualified by its alias): system columns are exposed per reference, only when named.
  bool names_seq = false;
  bool names_deleted = false;
  std::vector<ColumnFilter> filters;
};

// Resolves one table reference. Errors (unknown table, not allowed) abort the rewrite with
// that status.
using TableResolver = std::function<Result<TableReplacement>(const TableReference& reference)>;

struct RewriteOptions {
  std::string default_schema = "default";
  // Table functions user SQL may call; anything else is refused.
  std::vector<std::string> allowed_table_functions = {"range", "generate_series", "unnest"};
  int max_view_depth = 16;
  // Expressions and table references of one statement, views expanded: past it the
  // statement is refused. DuckDB plans 5,000 nodes (1,600 OR terms) in ~0.3 s on 2 cores.
  size_t max_parse_tree_nodes = 5000;
  // What the session functions return, set by the server, never by the SQL: the caller's
  // user name for current_user, session_user, user and current_role (bare, as DuckDB binds
  // them, or called; unqualified or in `main`), and the server's version for version().
  std::string current_user;
  std::string server_version;
};

// Parses `sql` with DuckDB's parser, requires exactly one SELECT-type statement, replaces
// every table reference (FROM, JOIN, CTE bodies, subqueries anywhere, views) through
// `resolver`, keeps the system columns a replacement exposes out of every `*` of its query
// block, replaces the session functions by the literal values of RewriteOptions (a bare
// current_schema or current_catalog is refused like its call), and returns the SQL DuckDB
// should run. Fails closed: any kind of table
// reference it does not know is refused. Errors are kInvalidArgument (syntax, not a
// SELECT, more than max_parse_tree_nodes), kPermissionDenied (table function not allowed) or
// whatever `resolver` returned.
//
// With `declared_types`, also says which result columns are a table's column as such (`*`,
// `t.*`, `col`, `t.col AS x` in the outermost SELECT) and so carry the type the column was
// declared with: one entry per result column, nullopt where the type is DuckDB's to report.
// Left empty when the result's columns cannot be told apart from the parsed tree (a `*`
// over a subquery, a view or a USING join).
Result<std::string> RewriteSelect(
    std::string_view sql, const TableResolver& resolver, const RewriteOptions& options,
    std::vector<std::optional<std::string>>* declared_types = nullptr);

}  // namespace kalam::engine

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "common/value.h"
#include "live/filter.h"
#include "sql/lexer.h"

namespace kalam::live {

// What a live query's SQL says, before its table is resolved:
// SELECT <* | column, …> FROM [namespace.]table [WHERE <condition>].
struct ParsedQuery {
  std::optional<std::string> namespace_id;  // absent: the caller's default namespace
  std::string table;
  std::vector<std::string> columns;   // empty: every column (*)
  std::vector<sql::Token> condition;  // the tokens after WHERE (empty: none)
};

// Parses a live query. Anything that is valid SQL but not this shape (a join, GROUP BY,
// ORDER BY, LIMIT, DISTINCT, a set operation, a CTE, an expression or alias in the select
// list) is kUnsupportedQuery naming the construct; other text is kSyntaxError with its
// position.
Result<ParsedQuery> ParseLiveQuery(std::string_view sql);

// A live query compiled against one schema version of its table: immutable, shared by
// every subscription with the same SQL, parameters and table version.
struct CompiledQuery {
  std::shared_ptr<const catalog::CachedTable> table;
  std::vector<size_t> projection;  // indexes into the table's columns, in output order
  Filter filter = Filter::MatchAll();
  std::string sql;
  std::vector<ResultColumn> schema;  // the projected columns and _seq, as subscription_ack says
  size_t primary_key = 0;            // index of the primary-key column (keyed tables)
};

// Checks the columns and compiles the filter of `parsed` against `table` (kColumnNotFound,
// kTypeMismatch, kUnsupportedQuery from Filter::Compile).
Result<std::shared_ptr<const CompiledQuery>> CompileLiveQuery(
    const ParsedQuery& parsed, std::string sql, std::shared_ptr<const catalog::CachedTable> table,
    std::span<const Value> params);

}  // namespace kalam::live

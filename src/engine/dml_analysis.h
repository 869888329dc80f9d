#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/value.h"

namespace kalam::engine {

// One value of an INSERT … VALUES row, as written.
struct InsertCell {
  enum class Kind : uint8_t { kLiteral, kParameter, kDefault, kExpression };
  Kind kind = Kind::kLiteral;
  Value literal;               // kLiteral: integers as kInt64, decimals as kDecimal text
  size_t parameter = 0;        // kParameter: 1-based ($1)
  std::string expression_sql;  // kExpression: evaluated by DuckDB (e.g. now(), 1 + 2)
};

struct InsertPlan {
  std::string schema;  // "" when the statement did not qualify the table
  std::string table;
  std::vector<std::string> columns;           // empty: every column, in order
  std::vector<std::vector<InsertCell>> rows;  // VALUES rows (or one all-DEFAULT row)
  std::optional<std::string> select_sql;      // INSERT … SELECT
};

// A WHERE that is exactly `<column> = <literal | $n>` (either side): the shape the
// primary-key fast paths answer from the PK index when the column is the key.
struct KeyEquality {
  std::string column;
  InsertCell value;  // kLiteral or kParameter
};

// UPDATE t SET c = <expr>, … [WHERE <cond>]: expressions and the condition as SQL text,
// evaluated through the query path (so they see exactly the caller's scoped rows).
struct UpdatePlan {
  std::string schema;
  std::string table;
  std::vector<std::pair<std::string, std::string>> assignments;  // column, expression SQL
  std::vector<InsertCell> values;  // per assignment: a literal, $n or an expression
  std::string where_sql;           // "" when there is no WHERE
  std::optional<KeyEquality> key_equality;
};

// DELETE FROM t [WHERE <cond>].
struct DeletePlan {
  std::string schema;
  std::string table;
  std::string where_sql;  // "" when there is no WHERE
  std::optional<KeyEquality> key_equality;
};

// Parse UPDATE / DELETE; kInvalidArgument for syntax errors and for what KalamDB does
// not support (RETURNING, UPDATE … FROM, DELETE … USING, WITH, aliases on the target).
Result<UpdatePlan> AnalyzeUpdate(std::string_view sql);
Result<DeletePlan> AnalyzeDelete(std::string_view sql);

// Parses one INSERT with DuckDB's parser. kInvalidArgument for syntax errors and for
// what KalamDB does not support (RETURNING, ON CONFLICT, BY NAME, WITH, three-part names).
Result<InsertPlan> AnalyzeInsert(std::string_view sql);

// SELECT <columns | *> FROM [schema.]table WHERE <column> = <literal | $n>: the shape the
// primary-key fast path answers without DuckDB. Anything else (joins, grouping, ordering,
// DISTINCT, LIMIT, functions, CTEs, other predicates) is nullopt and takes the query path.
struct PointSelect {
  std::string schema;
  std::string table;
  std::vector<std::string> columns;  // empty: *
  KeyEquality key;
};
std::optional<PointSelect> AnalyzePointSelect(std::string_view sql);

}  // namespace kalam::engine

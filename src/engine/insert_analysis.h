#pragma once

#include <optional>
#include <string>
#include <string_view>
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

// Parses one INSERT with DuckDB's parser. kInvalidArgument for syntax errors and for
// what KalamDB does not support (RETURNING, ON CONFLICT, BY NAME, WITH, three-part names).
Result<InsertPlan> AnalyzeInsert(std::string_view sql);

}  // namespace kalam::engine

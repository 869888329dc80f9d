#pragma once

#include <string_view>

#include "common/result.h"
#include "sql/statements.h"

namespace kalam::sql {

// Parses one statement (no trailing ';' needed). SELECT-type statements become Query and
// INSERT/UPDATE/DELETE become Dml, unparsed. Errors are kInvalidArgument:
//   "syntax error at position 15: expected a table name, found ';'"
// Never crashes or hangs, whatever the input.
Result<Statement> ParseStatement(std::string_view sql);

}  // namespace kalam::sql

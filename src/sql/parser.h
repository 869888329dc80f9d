#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sql/statements.h"

namespace kalam::sql {

// Parses one statement (no trailing ';' needed). SELECT-type statements become Query and
// INSERT/UPDATE/DELETE become Dml, unparsed. Errors are kInvalidArgument:
//   "syntax error at position 15: expected a table name, found ';'"
// Never crashes or hangs, whatever the input.
Result<Statement> ParseStatement(std::string_view sql);

// A statement to run as another user, in either form:
//   EXECUTE AS USER 'alice' (<statement>)
//   <SELECT | INSERT | UPDATE | DELETE …> AS USER 'alice'
struct AsUser {
  std::string subject;    // a user id or user name, as written
  std::string statement;  // the statement without the impersonation clause
};

// The impersonation of `sql`, or nullopt when it names no subject. kInvalidArgument for a
// malformed EXECUTE AS USER.
Result<std::optional<AsUser>> ParseAsUser(std::string_view sql);

}  // namespace kalam::sql

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kalam::sql {

struct Token {
  enum class Kind : uint8_t {
    kWord,        // identifier or keyword (keywords are matched case-insensitively)
    kQuotedName,  // "quoted identifier" (text without quotes, "" unescaped)
    kString,      // 'string literal' (text without quotes, '' unescaped) or $$dollar-quoted$$
    kNumber,      // 123, 1.5, 1e3
    kParameter,   // $1 (positional; $name is refused)
    kSymbol,      // punctuation: ( ) , ; . [ ] { } : and ::
    kOperator,    // a run of operator characters as DuckDB reads it: = <> || ~ @> ->> !~~ …
    kEnd,
  };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t position = 0;  // byte offset in the statement, for error messages

  // True for a word equal to `keyword` ignoring case (keyword given in upper case).
  bool Is(std::string_view keyword) const;
  // True for punctuation or an operator spelled `symbol`.
  bool IsSymbol(std::string_view symbol) const {
    return (kind == Kind::kSymbol || kind == Kind::kOperator) && text == symbol;
  }
  std::string Describe() const;  // "'foo'", "end of input"
};

// Splits SQL into tokens, skipping whitespace and -- / /* */ comments. Every operator
// DuckDB's scanner reads is one kOperator token (what it means is DuckDB's to judge).
// kInvalidArgument with the position for an unterminated string, quoted name or comment, a
// named parameter ($name), or a character no token starts with.
Result<std::vector<Token>> Tokenize(std::string_view sql);

// Splits a batch on top-level ';' (not inside strings, dollar-quoted strings, quoted names or
// comments), dropping empty statements. kInvalidArgument if a string or comment is
// unterminated.
Result<std::vector<std::string>> SplitStatements(std::string_view sql);

}  // namespace kalam::sql

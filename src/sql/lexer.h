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
    kString,      // 'string literal' (text without quotes, '' unescaped)
    kNumber,      // 123, 1.5, 1e3
    kParameter,   // $1
    kSymbol,      // ( ) , ; . = * + - / < > etc. (one or two characters)
    kEnd,
  };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t position = 0;  // byte offset in the statement, for error messages

  // True for a word equal to `keyword` ignoring case (keyword given in upper case).
  bool Is(std::string_view keyword) const;
  bool IsSymbol(std::string_view symbol) const { return kind == Kind::kSymbol && text == symbol; }
  std::string Describe() const;  // "'foo'", "end of input"
};

// Splits SQL into tokens, skipping whitespace and -- / /* */ comments. kInvalidArgument
// with the position for an unterminated string, quoted name or comment, or a stray
// character.
Result<std::vector<Token>> Tokenize(std::string_view sql);

// Splits a batch on top-level ';' (not inside strings, quoted names or comments), dropping
// empty statements. kInvalidArgument if a string or comment is unterminated.
Result<std::vector<std::string>> SplitStatements(std::string_view sql);

}  // namespace kalam::sql

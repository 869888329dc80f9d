#include "sql/lexer.h"

#include <algorithm>
#include <cctype>

namespace kalam::sql {
namespace {

// The whole UTF-8 character starting at `at`: quoting a lone byte of a multi-byte character
// would put invalid UTF-8 into the error message (and the JSON reply).
std::string_view CharacterAt(std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return text.substr(at, length);
}

bool IsWordStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsWordChar(char c) {  // DuckDB, like PostgreSQL, lets '$' continue a name: a$1
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool IsDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

Status ErrorAt(size_t position, std::string_view what) {
  return Status::SyntaxError("syntax error at position " + std::to_string(position + 1) + ": " +
                             std::string(what));
}

// Skips whitespace and comments from `i`; returns false on an unterminated block comment.
bool SkipSpace(std::string_view sql, size_t& i) {
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      while (i < sql.size() && sql[i] != '\n') {
        ++i;
      }
    } else if (sql.substr(i, 2) == "/*") {
      const size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 2;
    } else {
      return true;
    }
  }
  return true;
}

// Reads a quoted run starting at sql[i] == quote; a doubled quote is an escaped quote.
// Returns false if it is not terminated.
bool ReadQuoted(std::string_view sql, size_t& i, char quote, std::string* text) {
  for (++i; i < sql.size(); ++i) {
    if (sql[i] != quote) {
      text->push_back(sql[i]);
    } else if (i + 1 < sql.size() && sql[i + 1] == quote) {
      text->push_back(quote);
      ++i;
    } else {
      ++i;
      return true;
    }
  }
  return false;
}

// Characters DuckDB's scanner (PostgreSQL's) builds operators from, and the punctuation
// that is always a token of its own.
constexpr std::string_view kOperatorChars = "~!@#^&|`?+-*/%<>=";
constexpr std::string_view kPunctuation = "(),;.[]{}:";

bool IsOperatorChar(char c) {
  return kOperatorChars.find(c) != std::string_view::npos;
}

// The length of the operator at the start of `rest` (REQUIRES: rest[0] is an operator
// character), by the scanner's rules: the longest run of operator characters, ended before a
// comment starts inside it; a trailing '+' or '-' belongs to the next token ("=-1" is "=",
// "-1") unless the run holds a character only operators use.
size_t OperatorLength(std::string_view rest) {
  size_t length = 0;
  while (length < rest.size() && IsOperatorChar(rest[length])) {
    ++length;
  }
  for (const std::string_view comment : {std::string_view("--"), std::string_view("/*")}) {
    length = std::min(length, rest.substr(0, length).find(comment));
  }
  const auto ends_in_sign = [&] { return rest[length - 1] == '+' || rest[length - 1] == '-'; };
  if (length > 1 && ends_in_sign() &&
      rest.substr(0, length).find_first_of("~!@#^&|`?%") == std::string_view::npos) {
    do {
      --length;
    } while (length > 1 && ends_in_sign());
  }
  return length;
}

// The length of the dollar-quote delimiter ($$ or $tag$) at sql[i], or 0 if none starts there.
size_t DollarDelimiterLength(std::string_view sql, size_t i) {
  if (i >= sql.size() || sql[i] != '$' || (i + 1 < sql.size() && IsDigit(sql[i + 1]))) return 0;
  size_t end = i + 1;
  while (end < sql.size() && IsWordChar(sql[end]) && sql[end] != '$') {
    ++end;
  }
  return end < sql.size() && sql[end] == '$' ? end + 1 - i : 0;
}

// What starts with '$' at sql[i]: a parameter ($1), or a dollar-quoted string ($$…$$,
// $tag$…$tag$) as a kString. A named parameter ($name) is refused: requests bind parameters
// by position only, and reading $abc1 as anything else would bind the wrong value.
Result<Token> ReadDollar(std::string_view sql, size_t& i) {
  const size_t start = i;
  if (const size_t length = DollarDelimiterLength(sql, start); length > 0) {
    const std::string_view delimiter = sql.substr(start, length);
    const size_t close = sql.find(delimiter, start + length);
    if (close == std::string_view::npos) {
      return ErrorAt(start, "unterminated dollar-quoted string");
    }
    i = close + length;
    return Token{.kind = Token::Kind::kString,
                 .text = std::string(sql.substr(start + length, close - start - length)),
                 .position = start};
  }
  size_t end = start + 1;
  const bool positional = end < sql.size() && IsDigit(sql[end]);
  while (end < sql.size() && (positional ? IsDigit(sql[end]) : IsWordChar(sql[end]))) {
    ++end;
  }
  const std::string name(sql.substr(start, end - start));
  if (!positional) {
    if (end == start + 1) return ErrorAt(start, "unexpected character '$'");
    return ErrorAt(start, "named parameter " + name +
                              " is not supported; parameters are positional: $1, $2, …");
  }
  if (end < sql.size() && IsWordChar(sql[end])) {
    return ErrorAt(start, "trailing characters after parameter " + name);
  }
  i = end;
  return Token{.kind = Token::Kind::kParameter, .text = name, .position = start};
}

size_t ReadNumber(std::string_view sql, size_t i) {
  while (i < sql.size() && IsDigit(sql[i])) {
    ++i;
  }
  if (i < sql.size() && sql[i] == '.') {
    ++i;
    while (i < sql.size() && IsDigit(sql[i])) {
      ++i;
    }
  }
  if (i < sql.size() && (sql[i] == 'e' || sql[i] == 'E')) {
    size_t j = i + 1;
    if (j < sql.size() && (sql[j] == '+' || sql[j] == '-')) ++j;
    if (j < sql.size() && IsDigit(sql[j])) {
      i = j;
      while (i < sql.size() && IsDigit(sql[i])) {
        ++i;
      }
    }
  }
  return i;
}

}  // namespace

bool Token::Is(std::string_view keyword) const {
  if (kind != Kind::kWord || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != keyword[i]) return false;
  }
  return true;
}

std::string Token::Describe() const {
  switch (kind) {
    case Kind::kEnd:
      return "end of input";
    case Kind::kString:
      return "string '" + text + "'";
    case Kind::kQuotedName:
      return "\"" + text + "\"";
    default:
      return "'" + text + "'";
  }
}

Result<std::vector<Token>> Tokenize(std::string_view sql) {
  std::vector<Token> tokens;
  size_t i = 0;
  for (;;) {
    if (!SkipSpace(sql, i)) return ErrorAt(i, "unterminated /* comment");
    if (i >= sql.size()) break;
    const size_t start = i;
    const char c = sql[i];
    Token token{.position = start};
    if (IsWordStart(c)) {
      while (i < sql.size() && IsWordChar(sql[i])) {
        ++i;
      }
      token.kind = Token::Kind::kWord;
      token.text = std::string(sql.substr(start, i - start));
    } else if (IsDigit(c) || (c == '.' && i + 1 < sql.size() && IsDigit(sql[i + 1]))) {
      i = ReadNumber(sql, i);
      token.kind = Token::Kind::kNumber;
      token.text = std::string(sql.substr(start, i - start));
    } else if (c == '\'' || c == '"') {
      token.kind = c == '\'' ? Token::Kind::kString : Token::Kind::kQuotedName;
      if (!ReadQuoted(sql, i, c, &token.text)) {
        return ErrorAt(start,
                       c == '\'' ? "unterminated string literal" : "unterminated quoted name");
      }
    } else if (c == '$') {
      KALAM_ASSIGN_OR_RETURN(token, ReadDollar(sql, i));
    } else if (IsOperatorChar(c)) {
      i += OperatorLength(sql.substr(i));
      token.kind = Token::Kind::kOperator;
      token.text = std::string(sql.substr(start, i - start));
    } else if (sql.substr(i, 2) == "::" || kPunctuation.find(c) != std::string_view::npos) {
      token.kind = Token::Kind::kSymbol;
      token.text = std::string(sql.substr(i, sql.substr(i, 2) == "::" ? 2 : 1));
      i += token.text.size();
    } else {
      return ErrorAt(start, "unexpected character '" + std::string(CharacterAt(sql, i)) + "'");
    }
    tokens.push_back(std::move(token));
  }
  tokens.push_back({.kind = Token::Kind::kEnd, .position = sql.size()});
  return tokens;
}

Result<std::vector<std::string>> SplitStatements(std::string_view sql) {
  std::vector<std::string> statements;
  size_t start = 0;
  size_t i = 0;
  const auto flush = [&](size_t end) {
    std::string_view piece = sql.substr(start, end - start);
    size_t probe = 0;
    if (SkipSpace(piece, probe) && probe < piece.size()) {
      while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.back()))) {
        piece.remove_suffix(1);
      }
      statements.emplace_back(piece.substr(probe));
    }
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      std::string ignored;
      const size_t quote_start = i;
      if (!ReadQuoted(sql, i, c, &ignored)) {
        return ErrorAt(quote_start,
                       c == '\'' ? "unterminated string literal" : "unterminated quoted name");
      }
    } else if (sql.substr(i, 2) == "--" || sql.substr(i, 2) == "/*") {
      const size_t comment_start = i;
      if (!SkipSpace(sql, i)) return ErrorAt(comment_start, "unterminated /* comment");
    } else if (IsWordStart(c)) {
      while (i < sql.size() && IsWordChar(sql[i])) {  // a$b$c is a name, not a $b$ quote
        ++i;
      }
    } else if (const size_t length = DollarDelimiterLength(sql, i); length > 0) {
      const size_t close = sql.find(sql.substr(i, length), i + length);
      if (close == std::string_view::npos) return ErrorAt(i, "unterminated dollar-quoted string");
      i = close + length;
    } else if (c == ';') {
      flush(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  flush(sql.size());
  return statements;
}

}  // namespace kalam::sql

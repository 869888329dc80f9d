#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "catalog/types.h"
#include "common/result.h"
#include "common/value.h"
#include "sql/lexer.h"

namespace kalam::live {

// The WHERE condition of a live query, compiled once and evaluated in memory on every
// changed row, with the answer DuckDB gives for `WHERE <condition>` on that row (README.md
// lists what is supported). Immutable; copies share the compiled program and may be used
// from any number of threads at once.
class Filter {
 public:
  // The limits Compile enforces (kLimitExceeded beyond them).
  static constexpr size_t kMaxTokens = 4096;
  static constexpr size_t kMaxDepth = 64;  // nesting of parentheses, NOT, unary minus
  static constexpr size_t kMaxInListItems = 1024;

  // Compiles the condition `tokens` (what follows WHERE, as sql::Tokenize produces it; a
  // final kEnd token is optional, and the positions in errors are the tokens' positions)
  // against the table's columns: `columns[i]` describes row value i (a caller that wants the
  // system column _seq appends a BIGINT column named "_seq"). `params` are the values of
  // $1, $2, … Errors:
  //   kColumnNotFound    an unknown column (the message suggests a near name or lists them)
  //   kSyntaxError       a malformed condition, naming the 1-based position
  //   kUnsupportedQuery  valid SQL outside the supported set, naming the construct
  //   kTypeMismatch      operands DuckDB would not bind (or that this evaluator does not
  //                      convert exactly, e.g. '5.5' for an INT), or a non-BOOLEAN condition
  //   kInvalidArgument   a parameter $n with no value, or an invalid LIKE escape
  //   kLimitExceeded     more than kMaxTokens tokens, kMaxDepth levels or kMaxInListItems
  static Result<Filter> Compile(std::span<const sql::Token> tokens,
                                std::span<const catalog::ColumnDefinition> columns,
                                std::span<const Value> params);

  // The filter of a live query without WHERE: every row matches.
  static Filter MatchAll();

  // True only when the condition is TRUE for `row` (FALSE and NULL are no match). A row whose
  // evaluation fails where DuckDB would raise an error (integer overflow, a LIKE pattern that
  // ends in its escape character) does not match. REQUIRES: row has a value per column.
  bool Matches(std::span<const Value> row) const;

  bool matches_all() const { return program_ == nullptr; }
  // The indexes (into `columns`) of the columns the condition reads, ascending: a change
  // that leaves all of them as they were cannot change the answer.
  const std::vector<size_t>& referenced_columns() const { return referenced_columns_; }

 private:
  struct Program;
  Filter() = default;

  std::shared_ptr<const Program> program_;  // null: MatchAll
  std::vector<size_t> referenced_columns_;
};

}  // namespace kalam::live

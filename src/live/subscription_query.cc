#include "live/subscription_query.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/nearest_name.h"

namespace kalam::live {
namespace {

using sql::Token;

// Words that end a live query's condition because they start a clause live queries do not
// have, with the name the refusal uses.
struct Clause {
  std::string_view word;
  std::string_view name;
};
constexpr std::array kClauses = {
    Clause{"GROUP", "GROUP BY"},      Clause{"ORDER", "ORDER BY"}, Clause{"LIMIT", "LIMIT"},
    Clause{"OFFSET", "OFFSET"},       Clause{"HAVING", "HAVING"},  Clause{"UNION", "UNION"},
    Clause{"INTERSECT", "INTERSECT"}, Clause{"EXCEPT", "EXCEPT"},  Clause{"WINDOW", "WINDOW"},
    Clause{"QUALIFY", "QUALIFY"},     Clause{"JOIN", "joins"},     Clause{"FETCH", "FETCH"},
};

Status Unsupported(std::string_view what) {
  return Status::UnsupportedQuery("live queries do not support " + std::string(what) +
                                  ": subscribe with SELECT <columns> FROM <table> [WHERE …]");
}

Status SyntaxErrorAt(const Token& found, std::string_view expected) {
  return Status::SyntaxError("syntax error at position " + std::to_string(found.position + 1) +
                             ": expected " + std::string(expected) + ", found " + found.Describe());
}

bool IsName(const Token& token) {
  return token.kind == Token::Kind::kWord || token.kind == Token::Kind::kQuotedName;
}

bool SameName(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

const Clause* ClauseAt(const Token& token) {
  if (token.kind != Token::Kind::kWord) return nullptr;
  for (const Clause& clause : kClauses) {
    if (token.Is(clause.word)) return &clause;
  }
  return nullptr;
}

}  // namespace

Result<ParsedQuery> ParseLiveQuery(std::string_view sql) {
  KALAM_ASSIGN_OR_RETURN(std::vector<Token> tokens, sql::Tokenize(sql));
  size_t i = 0;
  const auto at = [&](size_t k) -> const Token& { return tokens[std::min(k, tokens.size() - 1)]; };
  if (at(0).Is("WITH")) return Unsupported("common table expressions (WITH)");
  if (!at(0).Is("SELECT")) return SyntaxErrorAt(at(0), "SELECT");
  ++i;
  if (at(i).Is("DISTINCT")) return Unsupported("DISTINCT");
  ParsedQuery parsed;
  if (at(i).IsSymbol("*")) {
    ++i;
  } else {
    while (true) {
      if (!IsName(at(i)) || at(i).Is("FROM")) return SyntaxErrorAt(at(i), "a column name or *");
      if (at(i + 1).IsSymbol("(")) {
        return Unsupported("functions or aggregates in the select list (" + at(i).text + "(…))");
      }
      parsed.columns.push_back(at(i).text);
      ++i;
      if (at(i).Is("AS") || (IsName(at(i)) && !at(i).Is("FROM"))) {
        return Unsupported("column aliases");
      }
      if (!at(i).IsSymbol(",")) break;
      ++i;
    }
    if (!at(i).Is("FROM")) {
      if (at(i).kind == Token::Kind::kOperator || at(i).IsSymbol("::") || at(i).IsSymbol("[")) {
        return Unsupported("expressions in the select list");
      }
      return SyntaxErrorAt(at(i), "FROM");
    }
  }
  if (!at(i).Is("FROM")) return SyntaxErrorAt(at(i), "FROM");
  ++i;
  if (at(i).IsSymbol("(")) return Unsupported("subqueries");
  if (!IsName(at(i))) return SyntaxErrorAt(at(i), "a table name");
  parsed.table = at(i++).text;
  if (at(i).IsSymbol(".")) {
    if (!IsName(at(i + 1))) return SyntaxErrorAt(at(i + 1), "a table name");
    parsed.namespace_id = std::move(parsed.table);
    parsed.table = at(i + 1).text;
    i += 2;
  }
  if (at(i).IsSymbol(",")) return Unsupported("joins");
  if (at(i).IsSymbol("(")) return Unsupported("table functions");
  if (const Clause* clause = ClauseAt(at(i))) return Unsupported(clause->name);
  if (at(i).Is("INNER") || at(i).Is("LEFT") || at(i).Is("RIGHT") || at(i).Is("FULL") ||
      at(i).Is("CROSS") || at(i).Is("NATURAL")) {
    return Unsupported("joins");
  }
  if (at(i).Is("AS") || (IsName(at(i)) && !at(i).Is("WHERE"))) return Unsupported("table aliases");
  if (at(i).Is("WHERE")) {
    ++i;
    int depth = 0;
    for (; at(i).kind != Token::Kind::kEnd && !(depth == 0 && at(i).IsSymbol(";")); ++i) {
      if (at(i).IsSymbol("(")) ++depth;
      if (at(i).IsSymbol(")")) --depth;
      if (depth == 0) {
        if (const Clause* clause = ClauseAt(at(i))) return Unsupported(clause->name);
      }
      parsed.condition.push_back(at(i));
    }
    if (parsed.condition.empty()) return SyntaxErrorAt(at(i), "a condition after WHERE");
  }
  if (at(i).IsSymbol(";")) ++i;
  if (at(i).kind != Token::Kind::kEnd) return SyntaxErrorAt(at(i), "end of the query");
  return parsed;
}

Result<std::shared_ptr<const CompiledQuery>> CompileLiveQuery(
    const ParsedQuery& parsed, std::string sql, std::shared_ptr<const catalog::CachedTable> table,
    std::span<const Value> params) {
  const std::vector<catalog::ColumnDefinition>& columns = table->schema.columns;
  auto compiled = std::make_shared<CompiledQuery>();
  if (parsed.columns.empty()) {
    for (size_t c = 0; c < columns.size(); ++c)
      compiled->projection.push_back(c);
  }
  for (const std::string& name : parsed.columns) {
    const auto it = std::find_if(columns.begin(), columns.end(),
                                 [&](const auto& column) { return SameName(column.name, name); });
    if (it == columns.end()) {
      std::vector<std::string> names;
      for (const auto& column : columns)
        names.push_back(column.name);
      const std::optional<std::string> near = NearestName(name, names);
      return Status::ColumnNotFound("column " + name + " not found in " + table->qualified_name +
                                    (near.has_value() ? "; did you mean " + *near + "?" : ""));
    }
    compiled->projection.push_back(static_cast<size_t>(it - columns.begin()));
  }
  for (const size_t c : compiled->projection)
    compiled->schema.push_back({columns[c].name, columns[c].type.ToSql()});
  compiled->schema.push_back({"_seq", "BIGINT"});
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].primary_key) compiled->primary_key = c;
  }
  if (!parsed.condition.empty()) {
    KALAM_ASSIGN_OR_RETURN(compiled->filter, Filter::Compile(parsed.condition, columns, params));
  }
  compiled->sql = std::move(sql);
  compiled->table = std::move(table);
  return std::shared_ptr<const CompiledQuery>(std::move(compiled));
}

}  // namespace kalam::live

#include "sql/parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "sql/lexer.h"

namespace kalam::sql {
namespace {

using catalog::ColumnDefault;
using catalog::TableType;

std::string Upper(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

// Words that begin a statement of DuckDB or standard SQL which KalamDB does not run: these
// are refused as unsupported; any other leading token is a syntax error.
bool IsOtherStatement(const Token& first) {
  static constexpr std::string_view kWords[] = {
      "ABORT",     "ANALYZE", "ATTACH",     "BEGIN",   "CALL",     "CHECKPOINT", "COMMENT",
      "COMMIT",    "COPY",    "DEALLOCATE", "DETACH",  "END",      "EXPORT",     "FORCE",
      "FROM",      "GRANT",   "IMPORT",     "INSTALL", "LOAD",     "MERGE",      "PIVOT",
      "PRAGMA",    "PREPARE", "RESET",      "REVOKE",  "ROLLBACK", "SET",        "START",
      "SUMMARIZE", "TABLE",   "TRUNCATE",   "UNPIVOT", "VACUUM"};
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](std::string_view word) { return first.Is(word); });
}

class Parser {
 public:
  Parser(std::string_view sql, std::vector<Token> tokens) : sql_(sql), tokens_(std::move(tokens)) {}

  Result<Statement> Parse() {
    const Token& first = Peek();
    if (first.Is("SELECT") || first.Is("WITH") || first.Is("VALUES") || first.IsSymbol("(")) {
      return Statement(Query{std::string(sql_)});
    }
    if (first.Is("INSERT") || first.Is("UPDATE") || first.Is("DELETE")) {
      const DmlVerb verb = first.Is("INSERT")   ? DmlVerb::kInsert
                           : first.Is("UPDATE") ? DmlVerb::kUpdate
                                                : DmlVerb::kDelete;
      return Statement(Dml{verb, std::string(sql_)});
    }
    if (Accept("EXPLAIN")) return ParseExplain();
    if (Accept("CREATE")) return ParseCreate();
    if (Accept("ALTER")) return ParseAlter();
    if (Accept("DROP")) return ParseDrop();
    if (Accept("SHOW")) return ParseShow();
    if (Accept("DESCRIBE") || Accept("DESC")) return ParseDescribe();
    if (Accept("SUBSCRIBE")) return ParseSubscribe();
    if (Accept("FLUSH")) return NotBuiltYet("FLUSH");
    if (Accept("KILL")) {
      if (Accept("JOB")) {
        const Token& id = Peek();
        if (id.kind != Token::Kind::kString) return Error("a quoted job id");
        return Finish(KillJob{Next().text});
      }
      KALAM_RETURN_IF_ERROR(Expect("LIVE"));
      KALAM_RETURN_IF_ERROR(Expect("QUERY"));
      const Token& id = Peek();
      if (id.kind != Token::Kind::kString && id.kind != Token::Kind::kWord &&
          id.kind != Token::Kind::kQuotedName) {
        return Error("a live query id");
      }
      return Finish(KillLiveQuery{Next().text});
    }
    if (Accept("EXECUTE")) {  // EXECUTE AS USER with its subject is taken by ParseAsUser
      KALAM_RETURN_IF_ERROR(Expect("AS"));
      KALAM_RETURN_IF_ERROR(Expect("USER"));
      return Error("a quoted user id and a statement in parentheses");
    }
    if (Accept("USE")) {
      Accept("NAMESPACE");
      KALAM_ASSIGN_OR_RETURN(std::string name, Name("a namespace name"));
      return Finish(UseNamespace{std::move(name)});
    }
    if (first.kind == Token::Kind::kEnd) return Status::InvalidArgument("empty statement");
    if (IsOtherStatement(first)) {
      return Status::InvalidArgument("unsupported statement starting with " + first.Describe());
    }
    return Error("a statement");
  }

 private:
  // EXPLAIN [ANALYZE] <query>: the query is checked and rewritten like any other.
  Result<Statement> ParseExplain() {
    const Query::Explain explain =
        Accept("ANALYZE") ? Query::Explain::kAnalyze : Query::Explain::kPlan;
    const Token& first = Peek();
    if (!(first.Is("SELECT") || first.Is("WITH") || first.Is("VALUES") || first.IsSymbol("("))) {
      return Status::InvalidArgument("EXPLAIN supports queries (SELECT, WITH, VALUES), found " +
                                     first.Describe());
    }
    // Blanks in place of EXPLAIN keep every position in the query the user's.
    std::string query = std::string(first.position, ' ') + std::string(sql_.substr(first.position));
    return Statement(Query{std::move(query), explain});
  }

  // ---- token helpers ----
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    const Token& token = Peek();
    if (index_ < tokens_.size() - 1) ++index_;
    return token;
  }
  bool Accept(std::string_view keyword) {
    if (!Peek().Is(keyword)) return false;
    Next();
    return true;
  }
  bool AcceptSymbol(std::string_view symbol) {
    if (!Peek().IsSymbol(symbol)) return false;
    Next();
    return true;
  }
  Status Error(std::string_view expected) const {
    const Token& found = Peek();
    return Status::SyntaxError("syntax error at position " + std::to_string(found.position + 1) +
                               ": expected " + std::string(expected) + ", found " +
                               found.Describe());
  }
  Status Expect(std::string_view keyword) {
    return Accept(keyword) ? Status() : Error(std::string(keyword));
  }
  Status ExpectSymbol(std::string_view symbol) {
    return AcceptSymbol(symbol) ? Status() : Error("'" + std::string(symbol) + "'");
  }
  template <typename T>
  Result<Statement> Finish(T statement) {
    AcceptSymbol(";");
    if (Peek().kind != Token::Kind::kEnd) return Error("end of statement");
    return Statement(std::move(statement));
  }
  bool IfExists() {
    if (!(Peek().Is("IF") && Peek(1).Is("EXISTS"))) return false;
    index_ += 2;
    return true;
  }
  Result<bool> IfNotExists() {
    if (!Peek().Is("IF")) return false;
    Next();
    KALAM_RETURN_IF_ERROR(Expect("NOT"));
    KALAM_RETURN_IF_ERROR(Expect("EXISTS"));
    return true;
  }

  // ---- building blocks ----
  Result<std::string> Name(std::string_view what) {
    const Token& token = Peek();
    if (token.kind != Token::Kind::kWord && token.kind != Token::Kind::kQuotedName) {
      return Error(what);
    }
    return Next().text;
  }

  Result<QualifiedName> Qualified(std::string_view what) {
    KALAM_ASSIGN_OR_RETURN(std::string first, Name(what));
    if (!AcceptSymbol(".")) return QualifiedName{std::nullopt, std::move(first)};
    KALAM_ASSIGN_OR_RETURN(std::string second, Name(what));
    return QualifiedName{std::move(first), std::move(second)};
  }

  // Consumes an optional '-' before a number and the literal (string, number or word)
  // after it; nullptr, consuming nothing more, if no literal follows.
  const Token* NextLiteral(bool& negative) {
    negative = Peek().IsSymbol("-") && Peek(1).kind == Token::Kind::kNumber;
    if (negative) Next();
    const Token::Kind next = Peek().kind;
    if (next != Token::Kind::kString && next != Token::Kind::kNumber &&
        next != Token::Kind::kWord) {
      return nullptr;
    }
    return &Next();
  }

  Result<OptionValue> Literal() {
    bool negative = false;
    const Token* literal = NextLiteral(negative);
    if (literal == nullptr) return Error("a value");
    const Token& value = *literal;
    switch (value.kind) {
      case Token::Kind::kString:
        return OptionValue{OptionValue::Kind::kString, value.text};
      case Token::Kind::kNumber:
        return OptionValue{OptionValue::Kind::kNumber, (negative ? "-" : "") + value.text};
      case Token::Kind::kWord:
        if (value.Is("TRUE") || value.Is("FALSE")) {
          return OptionValue{OptionValue::Kind::kBoolean, value.Is("TRUE") ? "true" : "false"};
        }
        return OptionValue{OptionValue::Kind::kWord, value.text};
      default:
        return Error("a value");
    }
  }

  // ( KEY = value [, …] )
  Result<Options> OptionList() {
    KALAM_RETURN_IF_ERROR(ExpectSymbol("("));
    Options options;
    do {
      KALAM_ASSIGN_OR_RETURN(std::string key, Name("an option name"));
      KALAM_RETURN_IF_ERROR(ExpectSymbol("="));
      KALAM_ASSIGN_OR_RETURN(OptionValue value, Literal());
      options.emplace_back(Upper(std::move(key)), std::move(value));
    } while (AcceptSymbol(","));
    KALAM_RETURN_IF_ERROR(ExpectSymbol(")"));
    return options;
  }

  Result<int64_t> Integer(std::string_view what) {
    const Token& token = Peek();
    int64_t value = 0;
    const auto [end, error] =
        std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    if (token.kind != Token::Kind::kNumber || error != std::errc() ||
        end != token.text.data() + token.text.size()) {
      return Error(what);
    }
    Next();
    return value;
  }

  Result<catalog::DataType> Type() {
    const Token& name_token = Peek();
    KALAM_ASSIGN_OR_RETURN(std::string name, Name("a data type"));
    if (Upper(name) == "DOUBLE") Accept("PRECISION");
    std::vector<int64_t> arguments;
    if (AcceptSymbol("(")) {
      do {
        KALAM_ASSIGN_OR_RETURN(const int64_t argument, Integer("a number"));
        arguments.push_back(argument);
      } while (AcceptSymbol(","));
      KALAM_RETURN_IF_ERROR(ExpectSymbol(")"));
    }
    Result<catalog::DataType> type = catalog::ParseDataType(name, arguments);
    if (!type.ok()) {
      return Status::InvalidArgument(std::string(type.status().message()) + " at position " +
                                     std::to_string(name_token.position + 1));
    }
    return type;
  }

  Result<ColumnDefault> Default() {
    bool negative = false;
    const Token* literal = NextLiteral(negative);
    if (literal == nullptr) return Error("a DEFAULT value");
    const Token& value = *literal;
    if (value.kind == Token::Kind::kString) {
      return ColumnDefault{ColumnDefault::Kind::kString, value.text};
    }
    if (value.kind == Token::Kind::kNumber) {
      return ColumnDefault{ColumnDefault::Kind::kNumber, (negative ? "-" : "") + value.text};
    }
    if (value.Is("NULL")) return ColumnDefault{ColumnDefault::Kind::kNull, ""};
    if (value.Is("TRUE") || value.Is("FALSE")) {
      return ColumnDefault{ColumnDefault::Kind::kBoolean, value.Is("TRUE") ? "true" : "false"};
    }
    return DefaultFunction(value);
  }

  // SNOWFLAKE_ID(), UUID_V7(), ULID(), NOW(), CURRENT_TIMESTAMP[()], CURRENT_USER[()].
  Result<ColumnDefault> DefaultFunction(const Token& name) {
    static constexpr std::pair<std::string_view, ColumnDefault::Kind> kFunctions[] = {
        {"SNOWFLAKE_ID", ColumnDefault::Kind::kSnowflakeId},
        {"UUID_V7", ColumnDefault::Kind::kUuidV7},
        {"ULID", ColumnDefault::Kind::kUlid},
        {"NOW", ColumnDefault::Kind::kNow},
        {"CURRENT_TIMESTAMP", ColumnDefault::Kind::kNow},
        {"CURRENT_USER", ColumnDefault::Kind::kCurrentUser},
    };
    for (const auto& [function, kind] : kFunctions) {
      if (!name.Is(function)) continue;
      const bool parens_optional = name.Is("CURRENT_TIMESTAMP") || name.Is("CURRENT_USER");
      if (AcceptSymbol("(")) {
        KALAM_RETURN_IF_ERROR(ExpectSymbol(")"));
      } else if (!parens_optional) {
        return Error("'(' after " + std::string(function));
      }
      return ColumnDefault{kind, ""};
    }
    return Status::InvalidArgument(
        "unsupported DEFAULT " + name.Describe() + " at position " +
        std::to_string(name.position + 1) +
        "; use a literal, NULL, SNOWFLAKE_ID(), UUID_V7(), ULID(), NOW(), CURRENT_TIMESTAMP or "
        "CURRENT_USER()");
  }

  Result<ColumnSpec> Column() {
    ColumnSpec column;
    KALAM_ASSIGN_OR_RETURN(column.name, Name("a column name"));
    KALAM_ASSIGN_OR_RETURN(column.type, Type());
    for (;;) {
      if (Accept("NOT")) {
        KALAM_RETURN_IF_ERROR(Expect("NULL"));
        column.not_null = true;
        column.nullability_given = true;
      } else if (Accept("NULL")) {
        column.not_null = false;
        column.nullability_given = true;
      } else if (Accept("PRIMARY")) {
        KALAM_RETURN_IF_ERROR(Expect("KEY"));
        column.primary_key = true;
      } else if (Accept("AUTO_INCREMENT")) {
        column.auto_increment = true;
      } else if (Accept("DEFAULT")) {
        KALAM_ASSIGN_OR_RETURN(column.default_value, Default());
      } else if (Peek().Is("UNIQUE") || Peek().Is("REFERENCES") || Peek().Is("CHECK")) {
        return Status::InvalidArgument(
            Upper(Peek().text) + " constraints are not supported (column '" + column.name + "')");
      } else {
        return column;
      }
    }
  }

  std::optional<TableType> TypePrefix() {
    if (Accept("USER")) return TableType::kUser;
    if (Accept("SHARED")) return TableType::kShared;
    if (Accept("STREAM")) return TableType::kStream;
    return std::nullopt;
  }

  // ---- statements ----
  Result<Statement> ParseCreate() {
    if (Accept("OR")) {
      KALAM_RETURN_IF_ERROR(Expect("REPLACE"));
      KALAM_RETURN_IF_ERROR(Expect("VIEW"));
      return ParseCreateView(true);
    }
    if (Accept("VIEW")) return ParseCreateView(false);
    if (Peek().Is("MATERIALIZED")) {
      return Status::InvalidArgument("CREATE MATERIALIZED VIEW is not supported; use CREATE VIEW");
    }
    if (Accept("NAMESPACE")) {
      KALAM_ASSIGN_OR_RETURN(const bool if_not_exists, IfNotExists());
      KALAM_ASSIGN_OR_RETURN(std::string name, Name("a namespace name"));
      return Finish(CreateNamespace{std::move(name), if_not_exists});
    }
    if (Accept("STORAGE")) return ParseCreateStorage();
    const std::optional<TableType> type = TypePrefix();
    if (Accept("TABLE")) return ParseCreateTable(type);
    if (type == TableType::kUser) return ParseCreateUser();
    return Error("NAMESPACE, STORAGE, TABLE, VIEW or USER after CREATE");
  }

  // A user name: a word or a quoted string ('alice' and alice are the same user).
  Result<std::string> UserName() {
    if (Peek().kind == Token::Kind::kString) return Next().text;
    return Name("a user name");
  }

  Result<std::string> QuotedText(std::string_view what) {
    if (Peek().kind != Token::Kind::kString) return Error(what);
    return Next().text;
  }

  Result<catalog::Role> RoleWord() {
    const Token& token = Peek();
    if (token.kind != Token::Kind::kWord && token.kind != Token::Kind::kString) {
      return Error("a role (user, service, dba or system)");
    }
    const std::string text = Next().text;
    const std::optional<catalog::Role> role = catalog::ParseRole(text);
    if (!role.has_value()) {
      return Status::InvalidArgument("Invalid role '" + text +
                                     "': expected user, service, dba or system");
    }
    return *role;
  }

  Result<Statement> ParseCreateUser() {
    CreateUser user;
    KALAM_ASSIGN_OR_RETURN(user.username, UserName());
    KALAM_RETURN_IF_ERROR(Expect("WITH"));
    if (Accept("PASSWORD")) {
      KALAM_ASSIGN_OR_RETURN(user.password, QuotedText("a quoted password"));
    } else if (!Accept("INTERNAL")) {
      return Error("PASSWORD '...' or INTERNAL after WITH");
    }
    KALAM_RETURN_IF_ERROR(Expect("ROLE"));
    KALAM_ASSIGN_OR_RETURN(user.role, RoleWord());
    if (Accept("EMAIL")) {
      KALAM_ASSIGN_OR_RETURN(user.email, QuotedText("a quoted email"));
    }
    return Finish(std::move(user));
  }

  Result<Statement> ParseAlterUser() {
    AlterUser alter;
    KALAM_ASSIGN_OR_RETURN(alter.username, UserName());
    KALAM_RETURN_IF_ERROR(Expect("SET"));
    do {
      if (Accept("PASSWORD")) {
        KALAM_ASSIGN_OR_RETURN(alter.password, QuotedText("a quoted password"));
      } else if (Accept("ROLE")) {
        KALAM_ASSIGN_OR_RETURN(alter.role, RoleWord());
      } else if (Accept("EMAIL")) {
        KALAM_ASSIGN_OR_RETURN(alter.email, QuotedText("a quoted email"));
      } else {
        return Error("PASSWORD, ROLE or EMAIL after SET");
      }
    } while (Accept("SET") || AcceptSymbol(","));
    return Finish(std::move(alter));
  }

  Result<Statement> ParseCreateView(bool or_replace) {
    KALAM_ASSIGN_OR_RETURN(QualifiedName view, Qualified("a view name"));
    KALAM_RETURN_IF_ERROR(Expect("AS"));
    const Token& body = Peek();
    if (body.kind == Token::Kind::kEnd) return Error("a SELECT after AS");
    std::string select(sql_.substr(body.position));
    while (!select.empty() &&
           (select.back() == ';' || std::isspace(static_cast<unsigned char>(select.back())))) {
      select.pop_back();
    }
    return Statement(CreateView{or_replace, std::move(view), std::move(select)});
  }

  Result<Statement> ParseCreateStorage() {
    CreateStorage storage;
    KALAM_ASSIGN_OR_RETURN(storage.if_not_exists, IfNotExists());
    KALAM_ASSIGN_OR_RETURN(storage.storage_id, Name("a storage id"));
    while (Peek().kind == Token::Kind::kWord) {
      std::string key = Upper(Next().text);
      if (Peek().kind != Token::Kind::kString) return Error("a quoted value for " + key);
      storage.properties.emplace_back(std::move(key),
                                      OptionValue{OptionValue::Kind::kString, Next().text});
    }
    return Finish(std::move(storage));
  }

  Result<Statement> ParseCreateTable(std::optional<TableType> type) {
    CreateTable create{.type_prefix = type};
    KALAM_ASSIGN_OR_RETURN(create.if_not_exists, IfNotExists());
    KALAM_ASSIGN_OR_RETURN(create.table, Qualified("a table name"));
    KALAM_RETURN_IF_ERROR(ExpectSymbol("("));
    do {
      if (Accept("PRIMARY")) {
        KALAM_RETURN_IF_ERROR(Expect("KEY"));
        KALAM_RETURN_IF_ERROR(ExpectSymbol("("));
        do {
          KALAM_ASSIGN_OR_RETURN(std::string column, Name("a column name"));
          create.table_primary_key.push_back(std::move(column));
        } while (AcceptSymbol(","));
        KALAM_RETURN_IF_ERROR(ExpectSymbol(")"));
        continue;
      }
      KALAM_ASSIGN_OR_RETURN(ColumnSpec column, Column());
      create.columns.push_back(std::move(column));
    } while (AcceptSymbol(","));
    KALAM_RETURN_IF_ERROR(ExpectSymbol(")"));
    if (Accept("WITH")) {
      KALAM_ASSIGN_OR_RETURN(create.with, OptionList());
    }
    return Finish(std::move(create));
  }

  Result<Statement> ParseAlter() {
    if (Accept("NAMESPACE")) {
      KALAM_ASSIGN_OR_RETURN(std::string name, Name("a namespace name"));
      KALAM_RETURN_IF_ERROR(Expect("SET"));
      KALAM_RETURN_IF_ERROR(Expect("OPTIONS"));
      KALAM_ASSIGN_OR_RETURN(Options options, OptionList());
      return Finish(AlterNamespace{std::move(name), std::move(options)});
    }
    if (Accept("STORAGE")) {
      AlterStorage alter;
      KALAM_ASSIGN_OR_RETURN(alter.storage_id, Name("a storage id"));
      KALAM_RETURN_IF_ERROR(Expect("SET"));
      do {
        KALAM_ASSIGN_OR_RETURN(std::string key, Name("a storage property"));
        if (Peek().kind != Token::Kind::kString) return Error("a quoted value");
        alter.changes.emplace_back(Upper(std::move(key)),
                                   OptionValue{OptionValue::Kind::kString, Next().text});
      } while (Accept("SET") || AcceptSymbol(","));
      return Finish(std::move(alter));
    }
    const std::optional<TableType> type = TypePrefix();  // legacy prefixes, ignored
    if (type == TableType::kUser && !Peek().Is("TABLE")) return ParseAlterUser();
    KALAM_RETURN_IF_ERROR(Expect("TABLE"));
    KALAM_ASSIGN_OR_RETURN(QualifiedName table, Qualified("a table name"));
    return ParseAlterAction(std::move(table));
  }

  Result<Statement> ParseAlterAction(QualifiedName table) {
    if (Accept("ADD")) {
      Accept("COLUMN");
      KALAM_ASSIGN_OR_RETURN(ColumnSpec column, Column());
      return Finish(AlterTable{std::move(table), AddColumn{std::move(column)}});
    }
    if (Accept("DROP")) {
      Accept("COLUMN");
      KALAM_ASSIGN_OR_RETURN(std::string name, Name("a column name"));
      return Finish(AlterTable{std::move(table), DropColumn{std::move(name)}});
    }
    if (Accept("MODIFY")) {
      Accept("COLUMN");
      KALAM_ASSIGN_OR_RETURN(ModifyColumn modify, ModifyDefinition("MODIFY"));
      return Finish(AlterTable{std::move(table), std::move(modify)});
    }
    if (Accept("ALTER")) {
      Accept("COLUMN");
      KALAM_ASSIGN_OR_RETURN(ModifyColumn modify, AlterColumn());
      return Finish(AlterTable{std::move(table), std::move(modify)});
    }
    if (Accept("RENAME")) {
      if (Accept("TO")) {
        KALAM_ASSIGN_OR_RETURN(QualifiedName to, Qualified("the new table name"));
        return Finish(AlterTable{std::move(table), RenameTable{std::move(to)}});
      }
      Accept("COLUMN");
      KALAM_ASSIGN_OR_RETURN(std::string from, Name("a column name or TO"));
      KALAM_RETURN_IF_ERROR(Expect("TO"));
      KALAM_ASSIGN_OR_RETURN(std::string to, Name("the new column name"));
      return Finish(AlterTable{std::move(table), RenameColumn{std::move(from), std::move(to)}});
    }
    if (Accept("SET")) {
      if (Accept("TBLPROPERTIES")) {
        KALAM_ASSIGN_OR_RETURN(Options properties, OptionList());
        return Finish(AlterTable{std::move(table), SetTableProperties{std::move(properties)}});
      }
      KALAM_RETURN_IF_ERROR(Expect("ACCESS"));
      KALAM_RETURN_IF_ERROR(Expect("LEVEL"));
      KALAM_ASSIGN_OR_RETURN(OptionValue level, Literal());
      return Finish(
          AlterTable{std::move(table), SetTableProperties{{{"ACCESS_LEVEL", std::move(level)}}}});
    }
    return Error("ADD, DROP, MODIFY, ALTER, RENAME or SET");
  }

  // <name> <type> [NULL | NOT NULL] [DEFAULT x] after MODIFY [COLUMN] (or ALTER [COLUMN]).
  Result<ModifyColumn> ModifyDefinition(std::string verb) {
    KALAM_ASSIGN_OR_RETURN(ColumnSpec spec, Column());
    if (spec.primary_key || spec.auto_increment) {
      return Status::InvalidArgument(
          verb + " COLUMN cannot add PRIMARY KEY or AUTO_INCREMENT (column '" + spec.name + "')");
    }
    ModifyColumn modify{.name = std::move(spec.name), .type = spec.type, .verb = std::move(verb)};
    if (spec.nullability_given) modify.not_null = spec.not_null;
    if (spec.default_value.kind != ColumnDefault::Kind::kNone) {
      modify.default_value = spec.default_value;
    }
    return modify;
  }

  // After ALTER [COLUMN]: PostgreSQL's <name> TYPE t | SET DATA TYPE t | SET NOT NULL | DROP
  // NOT NULL | SET DEFAULT x | DROP DEFAULT, or a whole definition as after MODIFY.
  Result<ModifyColumn> AlterColumn() {
    const bool postgres = Peek(1).Is("TYPE") || Peek(1).Is("SET") || Peek(1).Is("DROP");
    if (!postgres) return ModifyDefinition("ALTER");
    ModifyColumn modify{.verb = "ALTER"};
    KALAM_ASSIGN_OR_RETURN(modify.name, Name("a column name"));
    bool type_change = Accept("TYPE");
    if (!type_change && Peek().Is("SET") && Peek(1).Is("DATA")) {
      index_ += 2;
      KALAM_RETURN_IF_ERROR(Expect("TYPE"));
      type_change = true;
    }
    if (type_change) {
      KALAM_ASSIGN_OR_RETURN(modify.type, Type());
      if (Peek().Is("USING")) {
        return Status::InvalidArgument(
            "ALTER COLUMN ... TYPE ... USING is not supported: stored values keep their value and "
            "are read under the new type (widening changes only)");
      }
      return modify;
    }
    const bool set = Accept("SET");
    if (!set && !Accept("DROP")) return Error("TYPE, SET or DROP");
    if (Accept("NOT")) {
      KALAM_RETURN_IF_ERROR(Expect("NULL"));
      modify.not_null = set;
    } else if (Accept("DEFAULT")) {
      if (set) {
        KALAM_ASSIGN_OR_RETURN(modify.default_value, Default());
      } else {
        modify.default_value = ColumnDefault{};
      }
    } else {
      return Error(set ? "NOT NULL, DEFAULT or DATA TYPE after SET"
                       : "NOT NULL or DEFAULT after DROP");
    }
    return modify;
  }

  Result<Statement> ParseDrop() {
    if (Accept("NAMESPACE")) {
      const bool if_exists = IfExists();
      KALAM_ASSIGN_OR_RETURN(std::string name, Name("a namespace name"));
      const bool cascade = Accept("CASCADE");
      if (!cascade) Accept("RESTRICT");
      return Finish(DropNamespace{std::move(name), if_exists, cascade});
    }
    if (Accept("STORAGE")) {
      const bool if_exists = IfExists();
      KALAM_ASSIGN_OR_RETURN(std::string id, Name("a storage id"));
      return Finish(DropStorage{std::move(id), if_exists});
    }
    if (Accept("VIEW")) {
      const bool if_exists = IfExists();
      KALAM_ASSIGN_OR_RETURN(QualifiedName view, Qualified("a view name"));
      return Finish(DropView{if_exists, std::move(view)});
    }
    const std::optional<TableType> type = TypePrefix();
    if (Accept("TABLE")) {
      const bool if_exists = IfExists();
      KALAM_ASSIGN_OR_RETURN(QualifiedName table, Qualified("a table name"));
      return Finish(DropTable{type, if_exists, std::move(table)});
    }
    if (type == TableType::kUser) {
      const bool if_exists = IfExists();
      KALAM_ASSIGN_OR_RETURN(std::string username, UserName());
      return Finish(DropUser{if_exists, std::move(username)});
    }
    return Error("NAMESPACE, STORAGE, TABLE, VIEW or USER after DROP");
  }

  // A statement of the cold tier, which is not built yet: refused by name, not as a typo.
  static Status NotBuiltYet(std::string_view statement) {
    return Status::InvalidArgument(std::string(statement) +
                                   " is not available yet: the Parquet cold tier is not built, "
                                   "so every row stays in the hot store");
  }

  Result<Statement> ParseShow() {
    if (Accept("NAMESPACES")) return Finish(ShowNamespaces{});
    if (Accept("STORAGES")) return Finish(ShowStorages{});
    if (Accept("TABLES")) {
      ShowTables show;
      if (Accept("IN") || Accept("FROM")) {
        Accept("NAMESPACE");
        KALAM_ASSIGN_OR_RETURN(std::string name, Name("a namespace name"));
        show.namespace_id = std::move(name);
      }
      return Finish(std::move(show));
    }
    if (Accept("LIVE")) {
      KALAM_RETURN_IF_ERROR(Expect("QUERIES"));
      return Finish(ShowLiveQueries{});
    }
    if (Accept("MANIFEST")) return NotBuiltYet("SHOW MANIFEST");
    if (Accept("STATS")) {
      KALAM_RETURN_IF_ERROR(Expect("FOR"));
      KALAM_RETURN_IF_ERROR(Expect("TABLE"));
      KALAM_ASSIGN_OR_RETURN(QualifiedName table, Qualified("a table name"));
      return Finish(ShowStats{std::move(table)});
    }
    return Error("NAMESPACES, STORAGES, TABLES, STATS or LIVE QUERIES after SHOW");
  }

  // SUBSCRIBE TO <table> [WHERE <condition>] [OPTIONS (…)]: the condition is every token up
  // to a top-level OPTIONS followed by '(' (or the end); the live query checks it.
  Result<Statement> ParseSubscribe() {
    KALAM_RETURN_IF_ERROR(Expect("TO"));
    SubscribeTo subscribe;
    KALAM_ASSIGN_OR_RETURN(subscribe.table, Qualified("a table name"));
    if (Accept("WHERE")) {
      const size_t begin = Peek().position;
      int depth = 0;
      while (Peek().kind != Token::Kind::kEnd && !Peek().IsSymbol(";") &&
             !(depth == 0 && Peek().Is("OPTIONS") && Peek(1).IsSymbol("("))) {
        if (Peek().IsSymbol("(")) ++depth;
        if (Peek().IsSymbol(")")) --depth;
        Next();
      }
      subscribe.condition = std::string(sql_.substr(begin, Peek().position - begin));
      while (!subscribe.condition.empty() &&
             std::isspace(static_cast<unsigned char>(subscribe.condition.back()))) {
        subscribe.condition.pop_back();
      }
      if (subscribe.condition.empty()) return Error("a condition after WHERE");
    }
    if (Accept("OPTIONS")) {
      KALAM_ASSIGN_OR_RETURN(const Options options, OptionList());
      for (const auto& [key, value] : options) {
        int64_t number = 0;
        const auto [end, error] =
            std::from_chars(value.text.data(), value.text.data() + value.text.size(), number);
        if (value.kind != OptionValue::Kind::kNumber || error != std::errc() ||
            end != value.text.data() + value.text.size() || number < 1) {
          return Status::InvalidArgument("SUBSCRIBE option " + key +
                                         " takes a positive whole number");
        }
        if (key == "LAST_ROWS") {
          subscribe.last_rows = number;
        } else if (key == "BATCH_SIZE") {
          subscribe.batch_size = number;
        } else {
          return Status::InvalidArgument("unknown SUBSCRIBE option " + key +
                                         " (LAST_ROWS and BATCH_SIZE are known)");
        }
      }
    }
    return Finish(std::move(subscribe));
  }

  Result<Statement> ParseDescribe() {
    Accept("TABLE");
    KALAM_ASSIGN_OR_RETURN(QualifiedName table, Qualified("a table name"));
    const bool history = Accept("HISTORY");
    return Finish(DescribeTable{std::move(table), history});
  }

  std::string_view sql_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
};

}  // namespace

namespace {

bool IsSubject(const Token& token) {
  return token.kind == Token::Kind::kString || token.kind == Token::Kind::kQuotedName;
}

Status AsUserSyntaxError(const Token& found, std::string_view expected) {
  return Status::SyntaxError("syntax error at position " + std::to_string(found.position + 1) +
                             ": expected " + std::string(expected) + ", found " + found.Describe());
}

// EXECUTE AS USER '<subject>' ( <statement> ) [;]
Result<AsUser> ParseExecuteAs(std::string_view sql, const std::vector<Token>& tokens) {
  const auto at = [&](size_t i) -> const Token& { return tokens[std::min(i, tokens.size() - 1)]; };
  if (!at(1).Is("AS")) return AsUserSyntaxError(at(1), "AS");
  if (!at(2).Is("USER")) return AsUserSyntaxError(at(2), "USER");
  if (!IsSubject(at(3))) return AsUserSyntaxError(at(3), "a quoted user id");
  if (!at(4).IsSymbol("(")) return AsUserSyntaxError(at(4), "'('");
  size_t close = tokens.size() - 2;  // the last token before kEnd
  if (close > 4 && tokens[close].IsSymbol(";")) --close;
  if (close <= 4 || !tokens[close].IsSymbol(")")) return AsUserSyntaxError(tokens.back(), "')'");
  if (close == 5) return AsUserSyntaxError(tokens[5], "a statement");
  const size_t begin = tokens[4].position + 1;
  return AsUser{tokens[3].text, std::string(sql.substr(begin, tokens[close].position - begin))};
}

}  // namespace

Result<std::optional<AsUser>> ParseAsUser(std::string_view sql) {
  // Both forms contain the word USER; most statements do not, and skip tokenizing twice.
  const auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  const std::string_view needle = "user";
  const auto found = std::search(sql.begin(), sql.end(), needle.begin(), needle.end(),
                                 [&](char a, char b) { return lower(a) == b; });
  if (found == sql.end()) return std::optional<AsUser>();
  KALAM_ASSIGN_OR_RETURN(const std::vector<Token> tokens, Tokenize(sql));
  if (tokens[0].Is("EXECUTE")) {
    KALAM_ASSIGN_OR_RETURN(AsUser as_user, ParseExecuteAs(sql, tokens));
    return std::optional<AsUser>(std::move(as_user));
  }
  // The trailing form: … AS USER '<subject>' [;] after a query or DML statement.
  const Token& first = tokens[0];
  const bool query_or_dml = first.Is("SELECT") || first.Is("WITH") || first.Is("INSERT") ||
                            first.Is("UPDATE") || first.Is("DELETE");
  if (!query_or_dml || tokens.size() < 5) return std::optional<AsUser>();
  size_t last = tokens.size() - 2;  // the last token before kEnd
  if (tokens[last].IsSymbol(";")) --last;
  if (last < 3 || !IsSubject(tokens[last]) || !tokens[last - 1].Is("USER") ||
      !tokens[last - 2].Is("AS")) {
    return std::optional<AsUser>();
  }
  return std::optional<AsUser>(
      AsUser{tokens[last].text, std::string(sql.substr(0, tokens[last - 2].position))});
}

Result<Statement> ParseStatement(std::string_view sql) {
  KALAM_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  return Parser(sql, std::move(tokens)).Parse();
}

std::string_view DmlVerbName(DmlVerb verb) {
  switch (verb) {
    case DmlVerb::kInsert:
      return "INSERT";
    case DmlVerb::kUpdate:
      return "UPDATE";
    case DmlVerb::kDelete:
      return "DELETE";
  }
  return "DML";
}

}  // namespace kalam::sql

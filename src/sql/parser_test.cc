#include "sql/parser.h"

#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sql/lexer.h"
#include "tests/testing/test_util.h"

namespace kalam::sql {
namespace {

using ::testing::HasSubstr;

template <typename T>
T ParseAs(std::string_view sql) {
  Result<Statement> statement = ParseStatement(sql);
  EXPECT_TRUE(statement.ok()) << sql << ": " << statement.status().ToString();
  if (!statement.ok() || !std::holds_alternative<T>(*statement)) {
    ADD_FAILURE() << "unexpected statement kind for: " << sql;
    return T{};
  }
  return std::get<T>(*statement);
}

std::string ErrorOf(std::string_view sql) {
  Result<Statement> statement = ParseStatement(sql);
  EXPECT_FALSE(statement.ok()) << sql;
  return statement.ok() ? "" : std::string(statement.status().message());
}

TEST(LexerTest, SplitsBatchesRespectingQuotesAndComments) {
  ASSERT_OK_AND_ASSIGN(const auto statements,
                       SplitStatements("SELECT 'a;b'; -- c;d\n SELECT \"x;\" /* ; */ ;;  ; "
                                       "CREATE NAMESPACE n"));
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0], "SELECT 'a;b'");
  EXPECT_EQ(statements[1], "SELECT \"x;\" /* ; */");
  EXPECT_EQ(statements[2], "CREATE NAMESPACE n");
  EXPECT_EQ(SplitStatements("SELECT 'oops").status().code(), StatusCode::kSyntaxError);
  EXPECT_EQ(SplitStatements("SELECT 1 /* open").status().code(), StatusCode::kSyntaxError);
}

TEST(LexerTest, TokenizesStringsNumbersParametersAndSymbols) {
  ASSERT_OK_AND_ASSIGN(const auto tokens, Tokenize("a 'it''s' \"Q\"\"x\" 1.5e3 $2 <= ;"));
  ASSERT_EQ(tokens.size(), 8u);
  EXPECT_EQ(tokens[1].text, "it's");
  EXPECT_EQ(tokens[2].text, "Q\"x");
  EXPECT_EQ(tokens[3].text, "1.5e3");
  EXPECT_EQ(tokens[4].kind, Token::Kind::kParameter);
  EXPECT_EQ(tokens[5].text, "<=");
  EXPECT_EQ(tokens[7].kind, Token::Kind::kEnd);
  EXPECT_EQ(Tokenize("a \\ b").status(),
            Status::SyntaxError("syntax error at position 3: unexpected character '\\'"));
  EXPECT_EQ(Tokenize("é漢").status(),
            Status::SyntaxError("syntax error at position 1: unexpected character 'é'"));
  EXPECT_EQ(Tokenize("a 漢").status(),
            Status::SyntaxError("syntax error at position 3: unexpected character '漢'"));
}

// The texts of the tokens of `sql`, space-separated, or its error.
std::string TokenTexts(std::string_view sql) {
  Result<std::vector<Token>> tokens = Tokenize(sql);
  if (!tokens.ok()) return tokens.status().ToString();
  std::string texts;
  for (const Token& token : *tokens) {
    if (token.kind == Token::Kind::kEnd) break;
    texts += (texts.empty() ? "" : " ") + token.text;
  }
  return texts;
}

TEST(LexerTest, ReadsOperatorsAsDuckDbsScannerDoes) {
  EXPECT_EQ(TokenTexts("a ~ b !~~ c ->> d @> e <@ f ? g # h"),
            "a ~ b !~~ c ->> d @> e <@ f ? g # h");
  EXPECT_EQ(TokenTexts("5&3|2^1**2//3<<1>>1||x::INT"),
            "5 & 3 | 2 ^ 1 ** 2 // 3 << 1 >> 1 || x :: INT");
  // A trailing sign is the next token's, unless the operator has an operator-only character.
  EXPECT_EQ(TokenTexts("x=-1 y<>+2 z @- 3"), "x = - 1 y <> + 2 z @- 3");
  // A comment inside a run of operator characters ends the operator.
  EXPECT_EQ(TokenTexts("1 +-- c\n2 */* c */3"), "1 + 2 * 3");
  ASSERT_OK_AND_ASSIGN(const auto tokens, Tokenize("a <= [1]"));
  EXPECT_EQ(tokens[1].kind, Token::Kind::kOperator);
  EXPECT_EQ(tokens[2].kind, Token::Kind::kSymbol);
}

TEST(LexerTest, DollarStartsAParameterOrADollarQuotedString) {
  ASSERT_OK_AND_ASSIGN(const auto tokens, Tokenize("$12 $$a;'b$$ $q$x$$y$q$ a$b$c"));
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].kind, Token::Kind::kParameter);
  EXPECT_EQ(tokens[0].text, "$12");
  EXPECT_EQ(tokens[1].kind, Token::Kind::kString);
  EXPECT_EQ(tokens[1].text, "a;'b");
  EXPECT_EQ(tokens[2].text, "x$$y");
  EXPECT_EQ(tokens[3].kind, Token::Kind::kWord);
  EXPECT_EQ(tokens[3].text, "a$b$c");
  EXPECT_EQ(Tokenize("SELECT $abc1").status(),
            Status::SyntaxError("syntax error at position 8: named parameter $abc1 is not "
                                "supported; parameters are positional: $1, $2, …"));
  EXPECT_EQ(
      Tokenize("SELECT $1abc").status(),
      Status::SyntaxError("syntax error at position 8: trailing characters after parameter $1"));
  EXPECT_EQ(Tokenize("SELECT $ 1").status(),
            Status::SyntaxError("syntax error at position 8: unexpected character '$'"));
  EXPECT_EQ(Tokenize("SELECT $t$ open").status(),
            Status::SyntaxError("syntax error at position 8: unterminated dollar-quoted string"));
  ASSERT_OK_AND_ASSIGN(const auto statements, SplitStatements("SELECT $$a;b$$; SELECT a$b$c;"));
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0], "SELECT $$a;b$$");
  EXPECT_EQ(SplitStatements("SELECT $x$ ; ").status().code(), StatusCode::kSyntaxError);
}

TEST(ParserTest, ColdTierStatementsAreRefusedByNameUntilBuilt) {
  for (const std::string sql : {"FLUSH TABLE app.t", "FLUSH ALL TABLES IN app", "SHOW MANIFEST"}) {
    const Status refused = ParseStatement(sql).status();
    EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << sql;
    EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("is not available yet"));
  }
}

TEST(ParserTest, Namespaces) {
  const auto create = ParseAs<CreateNamespace>("create namespace if not exists App;");
  EXPECT_EQ(create.name, "App");
  EXPECT_TRUE(create.if_not_exists);
  const auto drop = ParseAs<DropNamespace>("DROP NAMESPACE IF EXISTS app CASCADE");
  EXPECT_TRUE(drop.if_exists);
  EXPECT_TRUE(drop.cascade);
  const auto alter = ParseAs<AlterNamespace>("ALTER NAMESPACE app SET OPTIONS (enabled = true)");
  ASSERT_EQ(alter.options.size(), 1u);
  EXPECT_EQ(alter.options[0].first, "ENABLED");
  EXPECT_EQ(alter.options[0].second.text, "true");
  ParseAs<ShowNamespaces>("SHOW NAMESPACES");
  EXPECT_EQ(ParseAs<UseNamespace>("USE NAMESPACE app").name, "app");
}

TEST(ParserTest, CreateTableWithEverything) {
  const auto create = ParseAs<CreateTable>(
      "CREATE USER TABLE IF NOT EXISTS app.messages ("
      " id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(),"
      " content TEXT NOT NULL,"
      " score DOUBLE PRECISION DEFAULT -1.5,"
      " vec EMBEDDING(3),"
      " price DECIMAL(10, 2) DEFAULT 0,"
      " author TEXT DEFAULT CURRENT_USER,"
      " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
      " n INT AUTO_INCREMENT"
      ") WITH (FLUSH_POLICY = 'rows:1000', ACCESS_LEVEL = public, TTL_SECONDS = 10)");
  EXPECT_EQ(create.type_prefix, catalog::TableType::kUser);
  EXPECT_TRUE(create.if_not_exists);
  EXPECT_EQ(create.table.namespace_id, "app");
  EXPECT_EQ(create.table.name, "messages");
  ASSERT_EQ(create.columns.size(), 8u);
  EXPECT_TRUE(create.columns[0].primary_key);
  EXPECT_EQ(create.columns[0].default_value.kind, catalog::ColumnDefault::Kind::kSnowflakeId);
  EXPECT_TRUE(create.columns[1].not_null);
  EXPECT_EQ(create.columns[2].type.kind, catalog::DataType::Kind::kDouble);
  EXPECT_EQ(create.columns[2].default_value.literal, "-1.5");
  EXPECT_EQ(create.columns[3].type.dimension, 3u);
  EXPECT_EQ(create.columns[4].type.ToSql(), "DECIMAL(10,2)");
  EXPECT_EQ(create.columns[5].default_value.kind, catalog::ColumnDefault::Kind::kCurrentUser);
  EXPECT_EQ(create.columns[6].default_value.kind, catalog::ColumnDefault::Kind::kNow);
  EXPECT_TRUE(create.columns[7].auto_increment);
  ASSERT_EQ(create.with.size(), 3u);
  EXPECT_EQ(create.with[1].second.kind, OptionValue::Kind::kWord);
  EXPECT_EQ(create.with[2].second.kind, OptionValue::Kind::kNumber);
}

TEST(ParserTest, TablePrimaryKeyConstraint) {
  const auto create = ParseAs<CreateTable>("CREATE TABLE t (a INT, b TEXT, PRIMARY KEY (a))");
  EXPECT_FALSE(create.type_prefix.has_value());
  EXPECT_FALSE(create.table.namespace_id.has_value());
  EXPECT_EQ(create.table_primary_key, std::vector<std::string>{"a"});
}

TEST(ParserTest, AlterTableActions) {
  const auto add = ParseAs<AlterTable>("ALTER TABLE app.t ADD COLUMN age INT NOT NULL DEFAULT 0");
  EXPECT_EQ(std::get<AddColumn>(add.action).column.name, "age");
  const auto drop = ParseAs<AlterTable>("ALTER SHARED TABLE t DROP age");
  EXPECT_EQ(std::get<DropColumn>(drop.action).name, "age");
  const auto modify = ParseAs<AlterTable>("ALTER TABLE t MODIFY COLUMN age BIGINT");
  EXPECT_EQ(std::get<ModifyColumn>(modify.action).type->kind, catalog::DataType::Kind::kBigInt);
  const auto rename = ParseAs<AlterTable>("ALTER TABLE t RENAME COLUMN a TO b");
  EXPECT_EQ(std::get<RenameColumn>(rename.action).to, "b");
  const auto props =
      ParseAs<AlterTable>("ALTER TABLE t SET TBLPROPERTIES (ACCESS_LEVEL = 'RESTRICTED')");
  EXPECT_EQ(std::get<SetTableProperties>(props.action).properties[0].second.text, "RESTRICTED");
  const auto level = ParseAs<AlterTable>("ALTER TABLE t SET ACCESS LEVEL PUBLIC");
  EXPECT_EQ(std::get<SetTableProperties>(level.action).properties[0].first, "ACCESS_LEVEL");
}

// MODIFY records only what the statement says; PostgreSQL's ALTER COLUMN forms and RENAME
// TO parse into the same statements.
TEST(ParserTest, AlterColumnFormsSayOnlyWhatTheyChange) {
  using catalog::ColumnDefault;
  const auto kept = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t MODIFY COLUMN author VARCHAR(50)").action);
  EXPECT_EQ(kept.name, "author");
  EXPECT_EQ(kept.type->length, 50u);
  EXPECT_FALSE(kept.not_null.has_value());
  EXPECT_FALSE(kept.default_value.has_value());
  EXPECT_EQ(kept.verb, "MODIFY");
  const auto nullable = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t MODIFY c TEXT NULL DEFAULT 'x'").action);
  EXPECT_EQ(nullable.not_null, false);
  EXPECT_EQ(nullable.default_value->literal, "x");

  const auto type = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t ALTER COLUMN n TYPE BIGINT").action);
  EXPECT_EQ(type.type->kind, catalog::DataType::Kind::kBigInt);
  EXPECT_FALSE(type.not_null.has_value());
  EXPECT_EQ(type.verb, "ALTER");
  const auto data_type = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t ALTER n SET DATA TYPE VARCHAR(3)").action);
  EXPECT_EQ(data_type.type->length, 3u);
  const auto set_not_null = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t ALTER COLUMN c SET NOT NULL").action);
  EXPECT_EQ(set_not_null.not_null, true);
  EXPECT_FALSE(set_not_null.type.has_value());
  EXPECT_EQ(std::get<ModifyColumn>(
                ParseAs<AlterTable>("ALTER TABLE t ALTER COLUMN c DROP NOT NULL").action)
                .not_null,
            false);
  const auto set_default = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t ALTER COLUMN c SET DEFAULT NOW()").action);
  EXPECT_EQ(set_default.default_value->kind, ColumnDefault::Kind::kNow);
  const auto drop_default = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t ALTER COLUMN c DROP DEFAULT").action);
  EXPECT_EQ(drop_default.default_value->kind, ColumnDefault::Kind::kNone);
  const auto whole = std::get<ModifyColumn>(
      ParseAs<AlterTable>("ALTER TABLE t ALTER COLUMN c BIGINT NOT NULL").action);
  EXPECT_EQ(whole.not_null, true);
  EXPECT_EQ(whole.type->kind, catalog::DataType::Kind::kBigInt);

  const auto renamed =
      std::get<RenameTable>(ParseAs<AlterTable>("ALTER TABLE app.t RENAME TO u").action);
  EXPECT_EQ(renamed.to.name, "u");
  EXPECT_FALSE(renamed.to.namespace_id.has_value());
  EXPECT_EQ(std::get<RenameColumn>(ParseAs<AlterTable>("ALTER TABLE t RENAME a TO b").action).from,
            "a");

  for (const char* bad :
       {"ALTER TABLE t ALTER COLUMN c TYPE TEXT USING c::TEXT", "ALTER TABLE t ALTER COLUMN c SET",
        "ALTER TABLE t ALTER COLUMN c DROP TYPE", "ALTER TABLE t MODIFY c INT PRIMARY KEY",
        "ALTER TABLE t ALTER COLUMN c SET DATA BIGINT", "ALTER TABLE t RENAME TO",
        "ALTER TABLE t ALTER COLUMN c TYPE TEXT(5)"}) {
    EXPECT_FALSE(ParseStatement(bad).ok()) << bad;
  }
}

TEST(ParserTest, StoragesViewsShowDescribe) {
  const auto storage = ParseAs<CreateStorage>(
      "CREATE STORAGE archive TYPE 'filesystem' NAME 'Archive' BASE_DIRECTORY '/a' "
      "USER_TABLES_TEMPLATE '{namespace}/{tableName}/{userId}'");
  ASSERT_EQ(storage.properties.size(), 4u);
  EXPECT_EQ(storage.properties[2].first, "BASE_DIRECTORY");
  const auto alter = ParseAs<AlterStorage>("ALTER STORAGE local SET DESCRIPTION 'x' SET NAME 'y'");
  EXPECT_EQ(alter.changes.size(), 2u);
  EXPECT_TRUE(ParseAs<DropStorage>("DROP STORAGE IF EXISTS s").if_exists);
  ParseAs<ShowStorages>("show storages");
  const auto view = ParseAs<CreateView>("CREATE OR REPLACE VIEW app.v AS SELECT * FROM app.t;  ");
  EXPECT_TRUE(view.or_replace);
  EXPECT_EQ(view.select_sql, "SELECT * FROM app.t");
  EXPECT_TRUE(ParseAs<DropView>("DROP VIEW IF EXISTS app.v").if_exists);
  EXPECT_EQ(ParseAs<ShowTables>("SHOW TABLES IN app").namespace_id, "app");
  EXPECT_TRUE(ParseAs<DescribeTable>("DESC TABLE app.t HISTORY").history);
  EXPECT_EQ(ParseAs<ShowStats>("SHOW STATS FOR TABLE app.t").table.name, "t");
  EXPECT_EQ(ParseAs<DropTable>("DROP STREAM TABLE IF EXISTS app.t").type_prefix,
            catalog::TableType::kStream);
}

TEST(ParserTest, QueriesAndDmlPassThrough) {
  EXPECT_EQ(ParseAs<Query>("SELECT 1").sql, "SELECT 1");
  ParseAs<Query>("WITH x AS (SELECT 1) SELECT * FROM x");
  ParseAs<Query>("(SELECT 1) UNION (SELECT 2)");
  EXPECT_EQ(ParseAs<Dml>("insert into t values (1)").verb, DmlVerb::kInsert);
  EXPECT_EQ(ParseAs<Dml>("UPDATE t SET a = 1").verb, DmlVerb::kUpdate);
  EXPECT_EQ(DmlVerbName(ParseAs<Dml>("delete from t").verb), "DELETE");
}

TEST(ParserTest, ErrorsNamePositionAndExpectation) {
  EXPECT_EQ(ErrorOf("CREATE TABLE (a INT)"),
            "syntax error at position 14: expected a table name, found '('");
  EXPECT_EQ(ErrorOf("CREATE NAMESPACE"),
            "syntax error at position 17: expected a namespace name, found end of input");
  EXPECT_EQ(ErrorOf("DROP NAMESPACE a b"),
            "syntax error at position 18: expected end of statement, found 'b'");
  EXPECT_THAT(ErrorOf("CREATE TABLE t (a GEOMETRY)"),
              HasSubstr("unsupported data type 'GEOMETRY' at position 19"));
  EXPECT_THAT(ErrorOf("CREATE TABLE t (a INT DEFAULT RANDOM())"), HasSubstr("unsupported DEFAULT"));
  EXPECT_THAT(ErrorOf("CREATE TABLE t (a INT UNIQUE)"), HasSubstr("UNIQUE constraints"));
  EXPECT_THAT(ErrorOf("CREATE MATERIALIZED VIEW v AS SELECT 1"), HasSubstr("not supported"));
  EXPECT_THAT(ErrorOf("GRANT ALL"), HasSubstr("unsupported statement starting with 'GRANT'"));
  // A leading word that begins no statement is a mistake in the SQL, not a missing feature.
  EXPECT_EQ(ErrorOf("SELEC * FROM t"),
            "syntax error at position 1: expected a statement, found 'SELEC'");
  EXPECT_EQ(ErrorOf("42"), "syntax error at position 1: expected a statement, found '42'");
  EXPECT_EQ(ErrorOf("   "), "empty statement");
  EXPECT_THAT(ErrorOf("CREATE TABLE t (a INT) WITH (X = )"), HasSubstr("expected a value"));
}

// The parser must never crash or hang: random bytes, random token soup built from the
// grammar's own words, every prefix of valid statements, and a huge input.
TEST(ParserFuzzTest, NeverCrashesOnRandomOrTruncatedInput) {
  std::mt19937_64 random(20261122);  // fixed seed: reproducible
  const std::vector<std::string> words = {"CREATE",
                                          "DROP",
                                          "ALTER",
                                          "TABLE",
                                          "NAMESPACE",
                                          "STORAGE",
                                          "VIEW",
                                          "IF",
                                          "NOT",
                                          "EXISTS",
                                          "(",
                                          ")",
                                          ",",
                                          ";",
                                          ".",
                                          "=",
                                          "-",
                                          "'x'",
                                          "\"q\"",
                                          "1",
                                          "1.5",
                                          "$1",
                                          "WITH",
                                          "DEFAULT",
                                          "PRIMARY",
                                          "KEY",
                                          "USER",
                                          "SHARED",
                                          "STREAM",
                                          "INT",
                                          "EMBEDDING",
                                          "DECIMAL",
                                          "SET",
                                          "ADD",
                                          "COLUMN",
                                          "RENAME",
                                          "TO",
                                          "SHOW",
                                          "TABLES",
                                          "IN",
                                          "AS",
                                          "SELECT",
                                          "NULL",
                                          "TRUE",
                                          "SNOWFLAKE_ID",
                                          "CASCADE",
                                          "DESCRIBE",
                                          "HISTORY",
                                          "TBLPROPERTIES",
                                          "ACCESS",
                                          "LEVEL",
                                          "EXECUTE",
                                          "INSERT",
                                          "UPDATE",
                                          "DELETE"};
  for (int i = 0; i < 20000; ++i) {
    std::string sql;
    const size_t length = random() % 20;
    for (size_t j = 0; j < length; ++j)
      sql += words[random() % words.size()] + " ";
    (void)ParseStatement(sql);
    (void)ParseAsUser(sql);
    std::string bytes(random() % 40, '\0');
    for (char& c : bytes)
      c = static_cast<char>(random() % 256);
    (void)ParseStatement(bytes);
    (void)ParseAsUser(bytes);
    (void)SplitStatements(bytes);
  }
  const std::string valid =
      "CREATE USER TABLE IF NOT EXISTS app.t (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), "
      "v DECIMAL(10,2) NOT NULL DEFAULT -1, e EMBEDDING(4)) WITH (TTL_SECONDS = 5)";
  for (size_t cut = 0; cut <= valid.size(); ++cut)
    (void)ParseStatement(valid.substr(0, cut));
  const std::string impersonated = "EXECUTE AS USER 'alice' (UPDATE t SET v = ')' WHERE id = 1);";
  for (size_t cut = 0; cut <= impersonated.size(); ++cut) {
    (void)ParseAsUser(impersonated.substr(0, cut));
    (void)ParseAsUser(impersonated.substr(cut));
  }
  std::string huge = "CREATE TABLE t (";
  for (int i = 0; i < 20000; ++i)
    huge += "c" + std::to_string(i) + " INT, ";
  huge += "id INT PRIMARY KEY)";
  ASSERT_OK_AND_ASSIGN(const Statement statement, ParseStatement(huge));
  EXPECT_EQ(std::get<CreateTable>(statement).columns.size(), 20001u);
  // A megabyte of '(' looks like a parenthesised query: handed to the engine unparsed.
  ASSERT_OK_AND_ASSIGN(const Statement parens, ParseStatement(std::string(1 << 20, '(')));
  EXPECT_TRUE(std::holds_alternative<Query>(parens));
  EXPECT_FALSE(ParseStatement("CREATE TABLE t (" + std::string(1 << 20, 'x')).ok());
}

TEST(AsUserTest, FindsBothFormsAndKeepsTheStatementText) {
  ASSERT_OK_AND_ASSIGN(auto wrapped,
                       ParseAsUser("execute as user 'alice' ( INSERT INTO t VALUES (1, ')') );"));
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(wrapped->subject, "alice");
  EXPECT_EQ(wrapped->statement, " INSERT INTO t VALUES (1, ')') ");
  ASSERT_OK_AND_ASSIGN(auto trailing,
                       ParseAsUser("UPDATE t SET v = 'as user' WHERE id = 1 AS USER \"bob\" ;"));
  ASSERT_TRUE(trailing.has_value());
  EXPECT_EQ(trailing->subject, "bob");
  EXPECT_EQ(trailing->statement, "UPDATE t SET v = 'as user' WHERE id = 1 ");
  ASSERT_OK_AND_ASSIGN(auto select, ParseAsUser("SELECT * FROM t as user 'u_1'"));
  ASSERT_TRUE(select.has_value());
  EXPECT_EQ(select->statement, "SELECT * FROM t ");
}

TEST(AsUserTest, StatementsWithoutASubjectAreLeftAlone) {
  for (const char* sql :
       {"SELECT * FROM users", "SELECT 'AS USER alice'", "INSERT INTO t VALUES ('as user', 'x')",
        "SELECT name AS user FROM t", "CREATE USER bob WITH PASSWORD 'x' ROLE user",
        "ALTER USER bob SET PASSWORD 'as user'", "DELETE FROM t WHERE x = 'u' -- AS USER 'x'"}) {
    ASSERT_OK_AND_ASSIGN(const auto as_user, ParseAsUser(sql));
    EXPECT_FALSE(as_user.has_value()) << sql;
  }
}

TEST(AsUserTest, MalformedExecuteAsNamesWhatIsMissing) {
  // Without the word USER the executor's ParseStatement reports the error.
  EXPECT_THAT(ErrorOf("EXECUTE"), HasSubstr("expected AS, found end of input"));
  EXPECT_THAT(ErrorOf("EXECUTE AS alice (SELECT 1)"), HasSubstr("expected USER, found 'alice'"));
  const std::pair<const char*, const char*> cases[] = {
      {"EXECUTE AS USER alice (SELECT 1)", "expected a quoted user id"},
      {"EXECUTE AS 'alice' (SELECT 1) -- user", "expected USER, found string 'alice'"},
      {"EXECUTE AS USER 'alice' SELECT 1", "expected '('"},
      {"EXECUTE AS USER 'alice' (SELECT 1", "expected ')', found end of input"},
      {"EXECUTE AS USER 'alice' ()", "expected a statement"},
  };
  for (const auto& [sql, message] : cases) {
    const Result<std::optional<AsUser>> parsed = ParseAsUser(sql);
    ASSERT_FALSE(parsed.ok()) << sql;
    EXPECT_EQ(parsed.status().code(), StatusCode::kSyntaxError) << sql;
    EXPECT_THAT(parsed.status().message(), HasSubstr(message)) << sql;
  }
}

}  // namespace
}  // namespace kalam::sql

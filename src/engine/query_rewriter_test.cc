#include "engine/query_rewriter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/dml_analysis.h"
#include "tests/testing/test_util.h"

namespace kalam::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// system.* → kalam_system; app.v is a view over app.t; app.t → scan_t; else not found.
Result<TableReplacement> Resolve(const TableReference& reference) {
  const std::string& name = reference.name;
  const std::string ns = reference.schema.empty() ? reference.default_schema : reference.schema;
  if (ns == "system") return TableReplacement{"kalam_system", {"system." + name}};
  if (ns == "app" && name == "t") return TableReplacement{"scan_t", {}};
  if (ns == "app" && name == "s") {  // a table with system columns: the flags become arguments
    TableReplacement scan{"scan_s",
                          {reference.names_seq ? "seq" : "", reference.names_deleted ? "del" : ""}};
    if (reference.names_seq) scan.system_columns.emplace_back("_seq");
    if (reference.names_deleted) scan.system_columns.emplace_back("_deleted");
    return scan;
  }
  if (ns == "app" && name == "sv") {
    return TableReplacement{.view_sql = "SELECT * FROM s", .view_namespace = "app"};
  }
  if (ns == "app" && name == "v") {
    return TableReplacement{.view_sql = "SELECT * FROM t WHERE x > 1", .view_namespace = "app"};
  }
  if (ns == "app" && name == "loop") {
    return TableReplacement{.view_sql = "SELECT * FROM loop", .view_namespace = "app"};
  }
  return Status::NotFound("Table " + ns + "." + name + " not found");
}

std::string Rewrite(std::string_view sql, std::string default_schema = "default") {
  Result<std::string> rewritten = RewriteSelect(sql, Resolve, {.default_schema = default_schema});
  EXPECT_TRUE(rewritten.ok()) << sql << ": " << rewritten.status().ToString();
  return rewritten.ok() ? *rewritten : "";
}

Status RewriteError(std::string_view sql) {
  Result<std::string> rewritten = RewriteSelect(sql, Resolve, {});
  EXPECT_FALSE(rewritten.ok()) << sql << " became " << (rewritten.ok() ? *rewritten : "");
  return rewritten.status();
}

TEST(QueryRewriterTest, ReplacesTablesKeepingAliases) {
  const std::string sql = Rewrite("SELECT n.name FROM system.namespaces n");
  EXPECT_THAT(sql, HasSubstr("kalam_system('system.namespaces') AS n"));
  EXPECT_THAT(Rewrite("SELECT * FROM system.users"),
              HasSubstr("kalam_system('system.users') AS users"));
}

TEST(QueryRewriterTest, ReachesJoinsSubqueriesCtesAndSetOperations) {
  const std::string sql = Rewrite(
      "WITH recent AS (SELECT * FROM system.jobs) "
      "SELECT * FROM system.tables t JOIN recent r ON true "
      "WHERE t.table_name IN (SELECT name FROM system.namespaces) "
      "AND EXISTS (SELECT 1 FROM system.users) "
      "UNION ALL SELECT * FROM (SELECT * FROM system.storages) s ORDER BY 1 LIMIT (SELECT 1)");
  for (const char* table : {"jobs", "tables", "namespaces", "users", "storages"}) {
    EXPECT_THAT(sql, HasSubstr(std::string("kalam_system('system.") + table + "')")) << table;
  }
  EXPECT_THAT(sql, Not(HasSubstr("FROM system.")));
  EXPECT_THAT(sql, HasSubstr("recent"));  // the CTE itself is left alone
}

TEST(QueryRewriterTest, UnqualifiedNamesUseTheDefaultNamespace) {
  EXPECT_THAT(Rewrite("SELECT * FROM t", "app"), HasSubstr("scan_t() AS t"));
  EXPECT_EQ(RewriteError("SELECT * FROM t"), Status::NotFound("Table default.t not found"));
}

TEST(QueryRewriterTest, ExpandsViewsInTheirOwnNamespace) {
  const std::string sql = Rewrite("SELECT * FROM app.v AS w");
  EXPECT_THAT(sql, HasSubstr("scan_t() AS t"));
  EXPECT_THAT(sql, HasSubstr("AS w"));
  EXPECT_THAT(RewriteError("SELECT * FROM app.loop").message(), HasSubstr("nested more than 16"));
}

TEST(QueryRewriterTest, RefusesWhatIsNotAllowed) {
  EXPECT_EQ(RewriteError("SELECT * FROM read_csv('/etc/passwd')").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(RewriteError("SELECT * FROM glob('/*')").message(),
            "table function 'glob' is not allowed");
  EXPECT_EQ(RewriteError("SELECT * FROM main.range(3)").code(), StatusCode::kPermissionDenied);
  EXPECT_OK(RewriteSelect("SELECT * FROM range(3)", Resolve, {}));
  EXPECT_EQ(RewriteError("SELECT * FROM memory.main.t").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RewriteError("DELETE FROM t").message(), "only SELECT queries are supported here");
  EXPECT_EQ(RewriteError("SELECT 1; SELECT 2").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RewriteError("SELEC 1"),
            Status::SyntaxError("syntax error at position 1: at or near \"SELEC\""));
  // Positions are the user's, counted from 1 like the rest of the API's.
  EXPECT_EQ(RewriteError("SELECT * FORM t"),
            Status::SyntaxError("syntax error at position 15: at or near \"t\""));
  EXPECT_EQ(RewriteError("SELECT * FROM nope.x"), Status::NotFound("Table nope.x not found"));
}

TEST(QueryRewriterTest, StatementsLargerThanTheNodeBoundAreRefusedBeforeDuckDbPlansThem) {
  std::string chain = "SELECT 1 WHERE 1=0";
  for (int i = 0; i < 50000; ++i)
    chain += " OR 1=0";
  const auto started = std::chrono::steady_clock::now();
  const Status status = RewriteError(chain);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("too large"));
  // The bound covers views expanded into the statement, so fan-out cannot multiply it.
  Result<std::string> wide = RewriteSelect("SELECT * FROM app.v a, app.v b, app.v c", Resolve,
                                           {.max_parse_tree_nodes = 12});
  EXPECT_EQ(wide.status().code(), StatusCode::kInvalidArgument);
  // An ordinary OR chain and a long IN list pass.
  std::string ordinary = "SELECT 1 WHERE 1=0";
  for (int i = 0; i < 300; ++i)
    ordinary += " OR 1=0";
  EXPECT_NE(Rewrite(ordinary), "");
  std::string in_list = "SELECT 1 WHERE 1 IN (0";
  for (int i = 1; i < 1000; ++i)
    in_list += ", " + std::to_string(i);
  EXPECT_NE(Rewrite(in_list + ")"), "");
  // DML is parsed with the same bound (DuckDB's parser is itself quadratic in AND/OR chains).
  std::string update = "UPDATE app.t SET x = 1 WHERE x = 0";
  for (int i = 0; i < 50000; ++i)
    update += " OR x = " + std::to_string(i);
  const auto update_started = std::chrono::steady_clock::now();
  EXPECT_THAT(std::string(AnalyzeUpdate(update).status().message()), HasSubstr("too large"));
  EXPECT_LT(std::chrono::steady_clock::now() - update_started, std::chrono::seconds(1));
}

// Regression: every CTE name was treated as in scope inside every CTE body, so a CTE named
// after a DuckDB catalog view could read that view from inside itself.
TEST(QueryRewriterTest, CteBodiesSeeOnlyTheCtesBeforeThem) {
  for (const char* name :
       {"pg_settings", "duckdb_tables", "duckdb_databases", "pg_namespace", "sqlite_master"}) {
    const std::string sql =
        std::string("WITH ") + name + " AS (SELECT * FROM " + name + ") SELECT * FROM " + name;
    EXPECT_EQ(RewriteError(sql),
              Status::NotFound("Table default." + std::string(name) + " not found"))
        << sql;
  }
  EXPECT_EQ(RewriteError("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a"),
            Status::NotFound("Table default.b not found"));
  EXPECT_EQ(RewriteError("WITH a AS MATERIALIZED (SELECT * FROM a) SELECT * FROM a"),
            Status::NotFound("Table default.a not found"));
  const std::string chained =
      Rewrite("WITH a AS (SELECT * FROM system.users), b AS (SELECT * FROM a) SELECT * FROM b, a");
  EXPECT_THAT(chained, HasSubstr("kalam_system('system.users')"));
  EXPECT_THAT(chained, Not(HasSubstr("FROM system.users")));
  EXPECT_THAT(Rewrite("WITH RECURSIVE r AS (SELECT 1 AS x UNION ALL SELECT x + 1 FROM r "
                      "WHERE x < 3) SELECT * FROM r"),
              Not(HasSubstr("not found")));
  EXPECT_EQ(RewriteError("WITH RECURSIVE r AS (SELECT * FROM r UNION ALL SELECT 1) "
                         "SELECT * FROM r"),
            Status::NotFound("Table default.r not found"));  // the anchor is not recursive
  // A CTE inside a subquery is visible there, not outside it.
  EXPECT_THAT(Rewrite("SELECT * FROM (WITH t AS (SELECT 1 AS x) SELECT * FROM t) s, t", "app"),
              HasSubstr("scan_t() AS t"));
}

TEST(QueryRewriterTest, FunctionsThatExposeSettingsOrCatalogsAreRefused) {
  for (const char* sql :
       {"SELECT current_setting('allowed_directories')", "SELECT CURRENT_SETTING('threads')",
        "SELECT pg_catalog.current_setting('threads')", "SELECT system.main.lower('x')",
        "SELECT main.current_setting('threads')", "SELECT pg_get_viewdef(1)",
        "SELECT has_table_privilege('t', 'select')", "SELECT current_schemas(true)",
        "SELECT getvariable('v')", "SELECT current_query()",
        "SELECT json_serialize_plan('SELECT 1')", "SELECT 1 WHERE current_setting('x') = ''",
        "SELECT 1 ORDER BY current_setting('x')", "SELECT (SELECT current_setting('x'))",
        "WITH c AS (SELECT current_setting('x')) "
        "SELECT * FROM c",
        "SELECT * FROM range(length(current_setting('x')))"}) {
    EXPECT_EQ(RewriteError(sql).code(), StatusCode::kPermissionDenied) << sql;
  }
  EXPECT_EQ(RewriteError("SELECT current_setting('threads')").message(),
            "function 'current_setting' is not allowed");
  EXPECT_OK(RewriteSelect("SELECT version(), pg_typeof(1), lower('A'), now()", Resolve, {}));
  // List and struct literals are functions the parser places in `main`.
  EXPECT_OK(
      RewriteSelect("SELECT [1, 2], {'a': 1}, 'x' = ANY (['x']), main.lower('A')", Resolve, {}));
}

// Regression: system columns were decided by scanning the whole SQL text, so naming
// _deleted anywhere exposed tombstones in every scan (views included), and `*` repeated a
// named _seq.
TEST(QueryRewriterTest, SystemColumnsAreExposedPerReferenceAndNeverByStar) {
  EXPECT_THAT(Rewrite("SELECT * FROM app.s"), HasSubstr("scan_s('', '')"));
  const std::string both = Rewrite("SELECT *, _seq FROM app.s WHERE NOT _deleted");
  EXPECT_THAT(both, HasSubstr("scan_s('seq', 'del')"));
  EXPECT_THAT(both, HasSubstr("EXCLUDE"));
  const std::string join =
      Rewrite("SELECT a.*, b._seq FROM app.s a JOIN app.s b ON a.id = b.id ORDER BY b._deleted");
  EXPECT_THAT(join, HasSubstr("scan_s('', '') AS a"));
  EXPECT_THAT(join, HasSubstr("scan_s('seq', 'del') AS b"));
  // A view's scans follow the view's own SQL, not the outer query.
  EXPECT_THAT(Rewrite("SELECT *, 1 AS x FROM app.sv WHERE x = 1 AND '_deleted' <> ''"),
              HasSubstr("scan_s('', '')"));
  EXPECT_THAT(Rewrite("SELECT v.*, 1 AS _deleted FROM app.sv v"), HasSubstr("scan_s('', '')"));
  // A derived table is its own block: its _seq is not the outer table's.
  const std::string derived = Rewrite("SELECT * FROM (SELECT _seq FROM app.s) d, app.s outer_s");
  EXPECT_THAT(derived, HasSubstr("scan_s('seq', '')"));
  EXPECT_THAT(derived, HasSubstr("scan_s('', '') AS outer_s"));
  // A correlated subquery may name the outer table's columns.
  EXPECT_THAT(Rewrite("SELECT id FROM app.s o WHERE EXISTS (SELECT 1 WHERE o._seq > 0)"),
              HasSubstr("scan_s('seq', '') AS o"));
}

// Regression: SELECT current_user returned DuckDB's 'duckdb' and version() DuckDB's version.
// Every spelling DuckDB binds as the current-user function becomes the server's literal,
// whatever columns, CTEs or aliases the SQL names so.
TEST(QueryRewriterTest, SessionFunctionsBecomeTheServersLiterals) {
  const RewriteOptions options{.current_user = "o'brien", .server_version = "9.8.7"};
  const auto rewrite = [&](std::string_view sql) {
    Result<std::string> rewritten = RewriteSelect(sql, Resolve, options);
    EXPECT_TRUE(rewritten.ok()) << sql << ": " << rewritten.status().ToString();
    return rewritten.ok() ? *rewritten : "";
  };
  EXPECT_EQ(rewrite("SELECT current_user"), "SELECT 'o''brien' AS current_user");
  EXPECT_EQ(rewrite("SELECT CURRENT_USER AS who"), "SELECT 'o''brien' AS who");
  EXPECT_EQ(rewrite("SELECT version()"), "SELECT '9.8.7' AS \"version\"");
  EXPECT_EQ(rewrite("SELECT main.current_user()"), "SELECT 'o''brien' AS current_user");
  for (const char* sql :
       {"SELECT current_user()", "SELECT user", "SELECT \"user\"()", "SELECT session_user",
        "SELECT session_user()", "SELECT current_role", "SELECT current_role()",
        "SELECT main.current_user()", "SELECT 1 WHERE upper(current_user) = 'X'",
        "SELECT current_user FROM (SELECT 'root' AS current_user) AS current_user",
        "WITH current_user AS (SELECT 'root' AS current_user) SELECT current_user FROM "
        "current_user",
        "SELECT * FROM app.t ORDER BY user", "SELECT (SELECT session_user)"}) {
    const std::string rewritten = rewrite(sql);
    EXPECT_THAT(rewritten, HasSubstr("'o''brien'")) << sql;
    EXPECT_THAT(rewritten, Not(HasSubstr("current_user()"))) << sql;
  }
  // A nested value has no alias: DuckDB would print it as a named argument.
  EXPECT_EQ(rewrite("SELECT upper(current_user)"), "SELECT upper('o''brien')");
  // Qualified names are columns; calls with arguments are DuckDB's to refuse.
  EXPECT_THAT(rewrite("SELECT t.user, t.current_user FROM app.t"), HasSubstr("t.\"user\""));
  EXPECT_THAT(rewrite("SELECT current_user('x'), version(1)"), HasSubstr("current_user('x')"));
  // DuckDB's other SQL value functions expose its internals, bare as when called.
  EXPECT_EQ(RewriteError("SELECT current_schema").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(RewriteError("SELECT 1 WHERE current_catalog = 'memory'").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(RewriteError("SELECT pg_catalog.current_user()").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(RewriteError("SELECT system.main.version()").code(), StatusCode::kPermissionDenied);
  // The PK fast paths never read a session name as a column.
  EXPECT_FALSE(AnalyzePointSelect("SELECT user FROM t WHERE id = 1").has_value());
  EXPECT_TRUE(AnalyzePointSelect("SELECT id FROM t WHERE id = 1").has_value());
  ASSERT_OK_AND_ASSIGN(const DeletePlan by_user, AnalyzeDelete("DELETE FROM t WHERE user = 'x'"));
  EXPECT_FALSE(by_user.key_equality.has_value());
}

// Only $<digits> is a positional parameter: $abc1 is DuckDB's named parameter, never $1.
TEST(QueryRewriterTest, OnlyDigitsAfterTheDollarMakeAPositionalParameter) {
  ASSERT_OK_AND_ASSIGN(const InsertPlan plan, AnalyzeInsert("INSERT INTO t VALUES ($12)"));
  EXPECT_EQ(plan.rows.at(0).at(0).kind, InsertCell::Kind::kParameter);
  EXPECT_EQ(plan.rows.at(0).at(0).parameter, 12u);
  ASSERT_OK_AND_ASSIGN(const InsertPlan named, AnalyzeInsert("INSERT INTO t VALUES ($abc1)"));
  EXPECT_NE(named.rows.at(0).at(0).kind, InsertCell::Kind::kParameter);
  ASSERT_OK_AND_ASSIGN(const DeletePlan by_key, AnalyzeDelete("DELETE FROM t WHERE id = $x1"));
  EXPECT_FALSE(by_key.key_equality.has_value());
}

// The filters each table reference is given, as "alias:column<op><value>" strings.
std::vector<std::string> FiltersSeen(std::string_view sql) {
  std::vector<std::string> seen;
  const TableResolver record = [&](const TableReference& reference) -> Result<TableReplacement> {
    static constexpr const char* kOps[] = {"=", "<", "<=", ">", ">="};
    for (const ColumnFilter& filter : reference.filters) {
      const std::string operand = filter.operand.kind == InsertCell::Kind::kParameter
                                      ? "$" + std::to_string(filter.operand.parameter)
                                  : filter.operand.literal.kind == Value::Kind::kInt64
                                      ? std::to_string(filter.operand.literal.integer)
                                      : filter.operand.literal.text;
      seen.push_back(reference.name + ":" + filter.column + kOps[static_cast<size_t>(filter.op)] +
                     operand);
    }
    return TableReplacement{"scan_" + reference.name, {}};
  };
  EXPECT_OK(RewriteSelect(sql, record, {}));
  return seen;
}

TEST(QueryRewriterTest, TopLevelConjunctsComparingAColumnWithAConstantBecomeFilters) {
  using V = std::vector<std::string>;
  EXPECT_EQ(FiltersSeen("SELECT * FROM t WHERE id = 5"), (V{"t:id=5"}));
  EXPECT_EQ(FiltersSeen("SELECT * FROM t WHERE 5 < id AND (_seq >= $2 AND body = 'x')"),
            (V{"t:id>5", "t:_seq>=$2", "t:body=x"}));
  // Qualified by the alias of this reference only.
  EXPECT_EQ(FiltersSeen("SELECT * FROM a x JOIN b y ON x.id = y.id WHERE y.id = 1 AND x.k > 2"),
            (V{"a:k>2", "b:id=1"}));
  // Not under OR or NOT, not comparisons of two columns or with expressions.
  EXPECT_EQ(FiltersSeen("SELECT * FROM t WHERE id = 1 OR id = 2"), V{});
  EXPECT_EQ(FiltersSeen("SELECT * FROM t WHERE NOT (id = 1)"), V{});
  EXPECT_EQ(FiltersSeen("SELECT * FROM t WHERE id = k AND id = 1 + 1 AND id <> 3"), V{});
  // Each SELECT block's WHERE applies to its own FROM.
  EXPECT_EQ(FiltersSeen("SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.k = 7)"),
            (V{"u:k=7"}));
  // A bare session name is the caller's name, not a column; qualified, it is the column.
  EXPECT_EQ(FiltersSeen("SELECT * FROM t WHERE user = 'a' AND 'b' = current_user AND t.user = 'c'"),
            (V{"t:user=c"}));
}

}  // namespace
}  // namespace kalam::engine

// The SQL front end as a client sees it: lexing, statement classification, batch errors and
// the request fields around the SQL (issue: lexer and error reporting).
#include <boost/json.hpp>

#include "tests/e2e/sql_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

class FrontendTest : public SqlTest {};

// The text of a SELECT is DuckDB's to judge: our lexer passes every operator DuckDB reads.
TEST_F(FrontendTest, DuckDbOperatorsReachDuckDb) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, body TEXT)");
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 'SF office'), (2, 'NYC office')");
  const SqlReply regex =
      Ok("SELECT id FROM " + ns_ + ".t WHERE body ~ 'SF.*'");  // ~ matches the whole text
  EXPECT_EQ(boost::json::serialize(regex.Rows()), "[[1]]");
  const SqlReply not_like = Ok("SELECT id FROM " + ns_ + ".t WHERE body !~~ 'SF%' ORDER BY #1");
  EXPECT_EQ(boost::json::serialize(not_like.Rows()), "[[2]]");
  const SqlReply bits = Ok("SELECT 5 & 3, 5 | 3, 2 ^ 3, 2 ** 3, 7 // 2, 1 << 4, 256 >> 2, ~5");
  EXPECT_EQ(boost::json::serialize(bits.Rows()), "[[1,7,8,8,3,16,64,-6]]");
  const SqlReply more =
      Ok("SELECT 'a' || 'b', '7'::INT, string_split('a,b', ',') @> string_split('b', ','), "
         "string_split('c', ',') <@ string_split('a,b', ','), 1=-1, 3-+1, 2 !=1");
  EXPECT_EQ(boost::json::serialize(more.Rows()), R"([["ab",7,true,false,false,2,true]])");
}

// $1, $12 are parameters; $name is DuckDB's named parameter, which a request cannot bind: it
// is refused by name, never read as another parameter, and nothing is written.
TEST_F(FrontendTest, NamedParametersAreRefusedNotReadAsPositionalOnes) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, body TEXT)");
  boost::json::object params;
  params["params"] = boost::json::array{7, "seven"};
  Result<SqlReply> positional = PostSql(*client_, "SELECT $1 + 1, $2", params);
  ASSERT_OK(positional);
  EXPECT_EQ(boost::json::serialize(positional->Rows()), R"([["8","seven"]])");
  for (const std::string& sql :
       {"INSERT INTO " + ns_ + ".t VALUES ($1, $abc1)", std::string("SELECT $abc1")}) {
    Result<SqlReply> named = PostSql(*client_, sql, params);
    ASSERT_OK(named);
    EXPECT_EQ(named->http_status, 400) << sql;
    EXPECT_THAT(named->ErrorMessage(), HasSubstr("named parameter $abc1 is not supported")) << sql;
  }
  EXPECT_EQ(Ok("SELECT count(*) FROM " + ns_ + ".t").Rows().at(0).at(0), "0");
}

// Dollar-quoted strings are strings: their text is kept whole, ';' included.
TEST_F(FrontendTest, DollarQuotedStringsAreStrings) {
  const SqlReply reply = Ok("SELECT $$a;b$$, $tag$it's $$ here$tag$, length($$$$)");
  EXPECT_EQ(boost::json::serialize(reply.Rows()), R"([["a;b","it's $$ here","0"]])");
}

// A misspelt statement is a syntax error at its first word; a statement DuckDB knows but
// KalamDB does not run stays "unsupported".
TEST_F(FrontendTest, AnUnknownLeadingWordIsASyntaxError) {
  EXPECT_EQ(Fails("SELEC * FROM " + ns_ + ".t"),
            "Statement 1 failed: syntax error at position 1: expected a statement, found 'SELEC'");
  EXPECT_EQ(Fails("SELECT 1; INSRT INTO x VALUES (1)"),
            "Statement 2 failed: syntax error at position 1: expected a statement, found 'INSRT'");
  EXPECT_THAT(Fails("VACUUM"), HasSubstr("unsupported statement starting with 'VACUUM'"));
}

// The whole plan text of an EXPLAIN reply, lower-cased.
std::string PlanText(const SqlReply& reply) {
  std::string text;
  for (const boost::json::value& row : reply.Rows()) {
    text += Text(row.at(0)) + "\n" + Text(row.at(1)) + "\n";
  }
  for (char& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

TEST_F(FrontendTest, ExplainShowsThePlanOverOurScansWithoutInternals) {
  const std::string t = ns_ + ".events";
  Ok("CREATE SHARED TABLE " + t + " (id BIGINT PRIMARY KEY, kind TEXT, n INT)");
  Ok("INSERT INTO " + t + " (id, kind, n) VALUES (1, 'a', 1), (2, 'b', 2)");
  const std::string query = "SELECT e.kind, count(*) FROM " + t + " e JOIN " + t +
                            " f ON e.id = f.id WHERE e.n > 0 GROUP BY e.kind";
  const SqlReply plan = Ok("EXPLAIN " + query);
  EXPECT_EQ(plan.body.at("results").at(0).at("schema").at(1).at("name"), "explain_value");
  const std::string text = PlanText(plan);
  EXPECT_THAT(text, HasSubstr("physical_plan"));
  EXPECT_THAT(text, HasSubstr("table_scan"));
  EXPECT_THAT(text, HasSubstr("hash_group_by"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("kalam")));
  // EXPLAIN ANALYZE runs the query and prints it as the user wrote it.
  const std::string analyzed = PlanText(Ok("EXPLAIN ANALYZE " + query));
  EXPECT_THAT(analyzed, HasSubstr("explain analyze select e.kind, count(*) from"));
  EXPECT_THAT(analyzed, ::testing::Not(HasSubstr("kalam")));
  EXPECT_THAT(PlanText(Ok("EXPLAIN SELECT * FROM system.users")),
              ::testing::Not(HasSubstr("kalam")));
  // Errors are those of the query, at its positions in the text sent.
  EXPECT_THAT(Fails("EXPLAIN SELECT * FORM " + t),
              HasSubstr("syntax error at position " + std::to_string(23) + ":"));
  EXPECT_THAT(Fails("EXPLAIN SELECT nope FROM " + t), HasSubstr("\"nope\" not found"));
  EXPECT_THAT(Fails("EXPLAIN DELETE FROM " + t),
              HasSubstr("EXPLAIN supports queries (SELECT, WITH, VALUES), found 'DELETE'"));
}

TEST_F(FrontendTest, ExplainIsCheckedLikeTheQueryItExplains) {
  const std::string t = ns_ + ".private_plan";
  Ok("CREATE SHARED TABLE " + t + " (id INT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PRIVATE')");
  Ok("CREATE USER plan_user WITH PASSWORD 'plan-secret-1' ROLE user");
  client::HttpClient user = server_->AnonymousClient();
  user.SetDefaultHeaders({{"Authorization", BasicAuthorization("plan_user", "plan-secret-1")}});
  for (const std::string& sql : {"EXPLAIN SELECT * FROM " + t, "EXPLAIN ANALYZE SELECT * FROM " + t,
                                 std::string("EXPLAIN SELECT * FROM system.users")}) {
    Result<SqlReply> reply = PostSql(user, sql);
    ASSERT_OK(reply);
    EXPECT_EQ(reply->http_status, 403) << sql << " " << boost::json::serialize(reply->body);
  }
  Ok("DROP USER plan_user");
}

}  // namespace
}  // namespace kalam::e2e

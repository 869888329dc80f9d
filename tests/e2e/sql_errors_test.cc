// The error contract of POST /v1/api/sql (docs/api.md): a code a client can act on, a
// message that speaks of the SQL the client sent, and nothing of the server's internals.
#include <boost/json.hpp>

#include "tests/e2e/sql_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SqlErrorsTest : public SqlTest {
 protected:
  void SetUp() override {
    SqlTest::SetUp();
    Ok("CREATE TABLE " + ns_ +
       ".messages (id BIGINT PRIMARY KEY, body TEXT NOT NULL, n INT, sent TIMESTAMP)");
    Ok("INSERT INTO " + ns_ + ".messages (id, body, n) VALUES (1, 'hello', 7)");
  }

  // The reply to `sql`, which must fail with `http_status` and `code`.
  SqlReply Refused(const std::string& sql, int http_status, const std::string& code,
                   const boost::json::object& extra = {}) {
    Result<SqlReply> reply = PostSql(*client_, sql, extra);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return {};
    const std::string body = boost::json::serialize(reply->body);
    EXPECT_EQ(reply->http_status, http_status) << sql << "\n" << body;
    EXPECT_EQ(reply->ErrorCode(), code) << sql << "\n" << body;
    // Nothing of the rewritten query reaches the client: no internal scans, no excerpt.
    for (const char* internal : {"kalam_scan", "kalam_system", "LINE 1", "^", "Binder Error"}) {
      EXPECT_THAT(reply->ErrorMessage(), Not(HasSubstr(internal))) << sql;
    }
    return *reply;
  }
};

TEST_F(SqlErrorsTest, SyntaxErrorsNameThePositionInTheUsersStatement) {
  // Our own statements and SELECTs (parsed by DuckDB) report positions the same way.
  EXPECT_EQ(Refused("SELEC * FROM x", 400, "SYNTAX_ERROR").ErrorMessage(),
            "Statement 1 failed: syntax error at position 1: expected a statement, found 'SELEC'");
  EXPECT_EQ(Refused("SELECT * FORM " + ns_ + ".messages", 400, "SYNTAX_ERROR").ErrorMessage(),
            "Statement 1 failed: syntax error at position 15: at or near \"" + ns_ + "\"");
  EXPECT_EQ(Refused("SELECT 1; SELECT (1", 400, "SYNTAX_ERROR").ErrorMessage(),
            "Statement 2 failed: syntax error at position 10: at end of input");
  // Text that cannot even be split into statements: the position is in the whole batch.
  EXPECT_EQ(Refused("SELECT 1; SELECT 'open", 400, "SYNTAX_ERROR").ErrorMessage(),
            "syntax error at position 18: unterminated string literal");
}

TEST_F(SqlErrorsTest, AnUnknownTableSuggestsTheTableMeant) {
  const std::string misspelt = "SELECT * FROM " + ns_ + ".mesages";
  EXPECT_EQ(Refused(misspelt, 400, "TABLE_NOT_FOUND").ErrorMessage(),
            "Statement 1 failed: Table " + ns_ + ".mesages not found; did you mean " + ns_ +
                ".messages?");
  EXPECT_EQ(
      Refused("INSERT INTO " + ns_ + ".mesage (id, body) VALUES (2, 'x')", 400, "TABLE_NOT_FOUND")
          .ErrorMessage(),
      "Statement 1 failed: Table " + ns_ + ".mesage not found; did you mean " + ns_ + ".messages?");
  EXPECT_EQ(Refused("SELECT * FROM " + ns_ + ".orders", 400, "TABLE_NOT_FOUND").ErrorMessage(),
            "Statement 1 failed: Table " + ns_ + ".orders not found");
  EXPECT_EQ(Refused("SELECT * FROM system.userz", 400, "TABLE_NOT_FOUND").ErrorMessage(),
            "Statement 1 failed: Table system.userz not found; did you mean system.users?");
  EXPECT_EQ(Refused("DROP TABLE " + ns_ + ".messagez", 400, "TABLE_NOT_FOUND").ErrorMessage(),
            "Statement 1 failed: Table " + ns_ + ".messagez not found; did you mean " + ns_ +
                ".messages?");
}

TEST_F(SqlErrorsTest, ATableTheCallerMayNotReadIsNeverSuggested) {
  Ok("CREATE SHARED TABLE " + ns_ +
     ".payroll (id INT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PRIVATE')");
  Ok("CREATE USER errors_user WITH PASSWORD 'errors-secret-1' ROLE user");
  client::HttpClient user = server_->AnonymousClient();
  user.SetDefaultHeaders({{"Authorization", BasicAuthorization("errors_user", "errors-secret-1")}});
  Result<SqlReply> reply = PostSql(user, "SELECT * FROM " + ns_ + ".payrol");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->ErrorCode(), "TABLE_NOT_FOUND");
  EXPECT_EQ(reply->ErrorMessage(), "Statement 1 failed: Table " + ns_ + ".payrol not found");
  // root may read it, so root is told.
  EXPECT_THAT(Refused("SELECT * FROM " + ns_ + ".payrol", 400, "TABLE_NOT_FOUND").ErrorMessage(),
              HasSubstr("did you mean " + ns_ + ".payroll?"));
  Ok("DROP USER errors_user");
}

TEST_F(SqlErrorsTest, UnknownColumnsAndMismatchedTypesHaveTheirOwnCodes) {
  const std::string t = ns_ + ".messages";
  EXPECT_EQ(Refused("SELECT nope FROM " + t, 400, "COLUMN_NOT_FOUND").ErrorMessage(),
            "Statement 1 failed: Referenced column \"nope\" not found in FROM clause!\n"
            "Candidate bindings: \"n\", \"body\"");
  EXPECT_EQ(Refused("SELECT m.nope FROM " + t + " m", 400, "COLUMN_NOT_FOUND").ErrorMessage(),
            "Statement 1 failed: Table \"m\" does not have a column named \"nope\"");
  Refused("SELECT * FROM " + t + " WHERE n IN (SELECT x FROM " + t + ")", 400, "COLUMN_NOT_FOUND");
  Refused("UPDATE " + t + " SET nope = 1 WHERE id = 1", 400, "COLUMN_NOT_FOUND");
  Refused("INSERT INTO " + t + " (id, nope) VALUES (2, 1)", 400, "COLUMN_NOT_FOUND");
  Refused("UPDATE " + t + " SET body = 'x' WHERE nope = 1", 400, "COLUMN_NOT_FOUND");

  EXPECT_EQ(
      Refused("SELECT * FROM " + t + " WHERE id = 'abc'", 400, "TYPE_MISMATCH").ErrorMessage(),
      "Statement 1 failed: Could not convert string 'abc' to INT64");
  Refused("SELECT lower(n) FROM " + t, 400, "TYPE_MISMATCH");
  Refused("SELECT * FROM " + t + " WHERE n + 'x' > 1", 400, "TYPE_MISMATCH");
  Refused("INSERT INTO " + t + " (id, body) VALUES ('x', 'a')", 400, "TYPE_MISMATCH");
  Refused("UPDATE " + t + " SET n = 'many' WHERE id = 1", 400, "TYPE_MISMATCH");
  Refused("INSERT INTO " + t + " (id, body, sent) VALUES (2, 'a', 'yesterday')", 400,
          "TYPE_MISMATCH");
}

TEST_F(SqlErrorsTest, ConstraintViolationsHaveTheirOwnCodes) {
  const std::string t = ns_ + ".messages";
  EXPECT_EQ(Refused("INSERT INTO " + t + " (id, body) VALUES (2, NULL)", 400, "NOT_NULL_VIOLATION")
                .ErrorMessage(),
            "Statement 1 failed: column 'body' cannot be NULL");
  Refused("INSERT INTO " + t + " (id) VALUES (3)", 400, "NOT_NULL_VIOLATION");
  Refused("UPDATE " + t + " SET body = NULL WHERE id = 1", 400, "NOT_NULL_VIOLATION");
  EXPECT_EQ(Refused("INSERT INTO " + t + " (id, body) VALUES (1, 'again')", 409, "DUPLICATE_KEY")
                .ErrorMessage(),
            "Statement 1 failed: Primary key violation: value '1' already exists in column 'id'");
  // Nothing was written by any of them.
  EXPECT_EQ(Ok("SELECT id, body FROM " + t).Rows().size(), 1u);
  EXPECT_EQ(Text(Ok("SELECT body FROM " + t).Rows()[0].at(0)), "hello");
}

TEST_F(SqlErrorsTest, EveryEmptyBatchGetsTheSameError) {
  for (const char* sql : {"", "   ", ";", " ; ;; ", "-- only a comment", "/* block */", "\n\t"}) {
    const SqlReply reply = Refused(sql, 400, "EMPTY_SQL");
    EXPECT_EQ(reply.ErrorMessage(), "no SQL statement to run") << "'" << sql << "'";
  }
}

TEST_F(SqlErrorsTest, AFailedStatementKeepsTheResultsOfTheCommittedOnesBeforeIt) {
  const std::string t = ns_ + ".messages";
  const SqlReply reply = Refused("SELECT count(*) FROM " + t + "; INSERT INTO " + t +
                                     " (id, body) VALUES (2, 'two'); SELECT nope FROM " + t +
                                     "; INSERT INTO " + t + " (id, body) VALUES (3, 'three')",
                                 400, "COLUMN_NOT_FOUND");
  EXPECT_EQ(reply.ErrorMessage().rfind("Statement 3 failed: ", 0), 0u) << reply.ErrorMessage();
  EXPECT_EQ(Text(reply.body.at("error").at("details")), "SELECT nope FROM " + t);
  const boost::json::array& results = reply.body.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(Text(reply.Rows(0).at(0).at(0)), "1");
  EXPECT_EQ(reply.Message(1), "Inserted 1 row(s)");
  // Statement 2 committed; statement 4 never ran.
  EXPECT_EQ(Ok("SELECT id FROM " + t + " ORDER BY id").Rows().size(), 2u);
  // A statement that fails while streaming rows is not reported half-done.
  const SqlReply cut =
      Refused("SELECT 1 AS one; SELECT CAST(body AS INT) FROM " + t, 400, "TYPE_MISMATCH");
  ASSERT_EQ(cut.body.at("results").as_array().size(), 1u);
  EXPECT_EQ(cut.body.at("results").at(0).at("schema").at(0).at("name"), "one");
}

TEST_F(SqlErrorsTest, AnUnknownDefaultNamespaceIsRefusedBeforeAnythingRuns) {
  boost::json::object in_missing;
  in_missing["namespace_id"] = "no_such_ns";
  const SqlReply reply = Refused("CREATE NAMESPACE made_by_refused_batch; SELECT 1", 400,
                                 "NAMESPACE_NOT_FOUND", in_missing);
  EXPECT_EQ(reply.ErrorMessage(), "namespace_id: namespace 'no_such_ns' does not exist");
  EXPECT_THAT(Fails("DROP NAMESPACE made_by_refused_batch"), HasSubstr("not found"));
  boost::json::object in_ns;
  in_ns["namespace_id"] = ns_;
  Result<SqlReply> scoped = PostSql(*client_, "SELECT count(*) FROM messages", in_ns);
  ASSERT_OK(scoped);
  EXPECT_EQ(scoped->http_status, 200) << boost::json::serialize(scoped->body);
  Refused("SELECT 1", 400, "INVALID_REQUEST", {{"namespace_id", "Bad Name!"}});
}

}  // namespace
}  // namespace kalam::e2e

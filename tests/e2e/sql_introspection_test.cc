// What callers learn about the database itself over HTTP: current_user and its spellings
// name the caller, and version() names KalamDB's version.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/sql_client.h"
#include "tests/e2e/test_server.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Names = std::set<std::string>;

const std::string kRoot = "Basic cm9vdDo=";

const Names kSystemTables = {"audit_logs", "jobs",     "live_queries", "namespaces",
                             "stats",      "storages", "tables",       "users"};
const Names kInformationSchema = {"columns", "tables"};

class IntrospectionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<TestServer>> started =
        TestServer::Start({.env = WithCheapPasswordHashes()});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
    client::HttpClient root = server_->Client();
    for (const char* sql : {"CREATE USER alice WITH PASSWORD 'alice-secret-1' ROLE user",
                            "CREATE USER svc WITH PASSWORD 'svc-secret-1' ROLE service",
                            "CREATE USER dana WITH PASSWORD 'dana-secret-1' ROLE dba",
                            "CREATE USER sysop WITH PASSWORD 'sysop-secret-1' ROLE system",
                            "CREATE USER carol WITH PASSWORD 'carol-secret-1' ROLE service"}) {
      Result<SqlReply> reply = PostSql(root, sql);
      ASSERT_TRUE(reply.ok() && reply->ok()) << sql;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ns_ = "intro" + std::to_string(next_namespace_++);
    ASSERT_EQ(Sql(kRoot, "CREATE NAMESPACE " + ns_).http_status, 200);
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "server log:\n" << server_->Log();
  }

  SqlReply Sql(const std::string& authorization, const std::string& sql,
               const boost::json::object& extra = {}) {
    client::HttpClient client = server_->AnonymousClient();
    client.SetDefaultHeaders({{"Authorization", authorization}});
    Result<SqlReply> reply = PostSql(client, sql, extra);
    EXPECT_TRUE(reply.ok()) << sql << ": " << reply.status().ToString();
    return reply.ok() ? *reply : SqlReply{};
  }
  // Runs SQL that must succeed as `authorization`.
  SqlReply Ok(const std::string& authorization, const std::string& sql,
              const boost::json::object& extra = {}) {
    SqlReply reply = Sql(authorization, sql, extra);
    EXPECT_EQ(reply.http_status, 200) << sql << "\n" << boost::json::serialize(reply.body);
    return reply;
  }
  // The single value of a one-row, one-column result: its text, or its JSON if not a string.
  std::string Scalar(const std::string& authorization, const std::string& sql,
                     const boost::json::object& extra = {}) {
    const SqlReply reply = Ok(authorization, sql, extra);
    if (!reply.ok() || reply.Rows().size() != 1 || reply.Rows().at(0).as_array().size() != 1) {
      ADD_FAILURE() << sql << ": expected one value\n" << boost::json::serialize(reply.body);
      return "";
    }
    const boost::json::value& value = reply.Rows().at(0).at(0);
    return value.is_string() ? Text(value) : boost::json::serialize(value);
  }
  // The position of column `name` in the first result's schema.
  static size_t Column(const SqlReply& reply, const std::string& name) {
    const auto& schema = reply.body.at("results").at(0).at("schema").as_array();
    for (size_t i = 0; i < schema.size(); ++i) {
      if (Text(schema.at(i).at("name")) == name) return i;
    }
    ADD_FAILURE() << "no column " << name << " in " << boost::json::serialize(reply.body);
    return 0;
  }
  // The values of column `name` over the rows of a successful reply.
  static std::vector<std::string> Values(const SqlReply& reply, const std::string& name) {
    std::vector<std::string> values;
    if (!reply.ok()) return values;
    const size_t column = Column(reply, name);
    for (const auto& row : reply.Rows())
      values.push_back(Text(row.at(column)));
    return values;
  }
  static Names Set(const std::vector<std::string>& values) {
    return Names(values.begin(), values.end());
  }
  // table_name → table_type of SHOW TABLES IN `ns` for `authorization` (every row in `ns`).
  std::map<std::string, std::string> ShowTables(const std::string& authorization,
                                                const std::string& ns,
                                                const std::string& spelled = "") {
    const SqlReply reply = Ok(authorization, "SHOW TABLES IN " + (spelled.empty() ? ns : spelled));
    std::map<std::string, std::string> types;
    const std::vector<std::string> names = Values(reply, "table_name");
    const std::vector<std::string> type_values = Values(reply, "table_type");
    const std::vector<std::string> namespaces = Values(reply, "namespace_id");
    for (size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(namespaces.at(i), ns) << names.at(i);
      types[names.at(i)] = type_values.at(i);
    }
    return types;
  }
  static Names Keys(const std::map<std::string, std::string>& map) {
    Names keys;
    for (const auto& [key, value] : map)
      keys.insert(key);
    return keys;
  }
  // DESCRIBE's (column_name, data_type) pairs, in order.
  std::vector<std::pair<std::string, std::string>> Describe(const std::string& authorization,
                                                            const std::string& sql) {
    const SqlReply reply = Ok(authorization, sql);
    std::vector<std::pair<std::string, std::string>> columns;
    const std::vector<std::string> names = Values(reply, "column_name");
    const std::vector<std::string> types = Values(reply, "data_type");
    for (size_t i = 0; i < names.size(); ++i)
      columns.emplace_back(names.at(i), types.at(i));
    return columns;
  }

  static inline TestServer* server_ = nullptr;
  static inline int next_namespace_ = 0;
  const std::string alice_ = BasicAuthorization("alice", "alice-secret-1");
  const std::string svc_ = BasicAuthorization("svc", "svc-secret-1");
  const std::string dana_ = BasicAuthorization("dana", "dana-secret-1");
  const std::string sysop_ = BasicAuthorization("sysop", "sysop-secret-1");
  const std::string carol_ = BasicAuthorization("carol", "carol-secret-1");
  std::string ns_;
};

// Regression: SELECT current_user returned DuckDB's 'duckdb'; every spelling DuckDB accepts
// now names the caller, and nothing the caller's SQL sets can change that.
TEST_F(IntrospectionTest, CurrentUserIsTheCaller) {
  for (const auto& [name, authorization] : std::vector<std::pair<std::string, std::string>>{
           {"alice", alice_}, {"dana", dana_}, {"root", kRoot}}) {
    SCOPED_TRACE(name);
    for (const char* spelling :
         {"current_user", "CURRENT_USER", "current_user()", "user", "user()", "session_user",
          "session_user()", "current_role", "main.current_user()", "\"current_user\""}) {
      EXPECT_EQ(Scalar(authorization, std::string("SELECT ") + spelling), name) << spelling;
    }
    const SqlReply named = Ok(authorization, "SELECT current_user, session_user AS who");
    EXPECT_EQ(Text(named.body.at("results").at(0).at("schema").at(0).at("name")), "current_user");
    EXPECT_EQ(Text(named.body.at("results").at(0).at("schema").at(1).at("name")), "who");
    EXPECT_EQ(
        Scalar(authorization, "SELECT count(*) FROM range(3) WHERE current_user = '" + name + "'"),
        "3");
  }

  // Spoofing: settings, parameters, aliases, subqueries, CTEs and tables named current_user.
  EXPECT_EQ(Sql(alice_, "SET VARIABLE current_user = 'root'").http_status, 400);
  EXPECT_EQ(Sql(alice_, "SET current_user = 'root'").http_status, 400);
  EXPECT_EQ(Sql(alice_, "SET session_user = 'root'").http_status, 400);
  EXPECT_EQ(Sql(alice_, "SELECT getvariable('current_user')").http_status, 403);
  EXPECT_EQ(Sql(alice_, "SELECT pg_catalog.current_user()").http_status, 403);
  boost::json::object root_param;
  root_param["params"] = boost::json::array{"root"};
  EXPECT_EQ(Scalar(alice_, "SELECT current_user", root_param), "alice");
  EXPECT_EQ(Scalar(alice_, "SELECT current_user = $1", root_param), "false");
  for (const std::string& sql :
       {std::string("SELECT current_user FROM (SELECT 'root' AS current_user) t"),
        std::string("SELECT current_user FROM (SELECT 'root' AS current_user) AS current_user"),
        std::string("WITH current_user AS (SELECT 'root' AS current_user) "
                    "SELECT current_user FROM current_user"),
        std::string("WITH t(current_user) AS (SELECT 'root') SELECT current_user FROM t"),
        std::string("SELECT user FROM (VALUES ('root')) AS v(user)"),
        std::string("SELECT session_user FROM (SELECT 'root' AS session_user)"),
        std::string("SELECT current_role FROM (SELECT 'root' AS current_role)"),
        std::string("SELECT * FROM (SELECT current_user AS u) WHERE u <> 'root'"),
        std::string("SELECT (SELECT current_user)")}) {
    EXPECT_EQ(Scalar(alice_, sql), "alice") << sql;
  }
  // A column of that name is still reachable, qualified, and the server's own reads and
  // writes of a table never mistake such a column for the caller.
  EXPECT_EQ(Scalar(alice_, "SELECT t.current_user FROM (SELECT 'x' AS current_user) t"), "x");
  Ok(kRoot, "CREATE TABLE " + ns_ +
                ".acct (id BIGINT PRIMARY KEY, user TEXT, current_user TEXT, current_role INT)");
  Ok(alice_, "INSERT INTO " + ns_ + ".acct (id, user, current_user) VALUES (1, 'bob', 'carl')");
  Ok(alice_, "UPDATE " + ns_ + ".acct SET current_user = 'dave' WHERE id > 0");
  const SqlReply columns = Ok(alice_, "SELECT * FROM " + ns_ + ".acct");
  ASSERT_EQ(columns.Rows().size(), 1u);
  EXPECT_EQ(boost::json::serialize(columns.Rows().at(0)), R"(["1","bob","dave",null])");
  EXPECT_EQ(Scalar(alice_, "SELECT a.user FROM " + ns_ + ".acct a WHERE a.id = 1"), "bob");
  EXPECT_EQ(Scalar(alice_, "SELECT user FROM " + ns_ + ".acct WHERE id = 1"), "alice");
  // The result says what it holds: the caller's name, not the INT column of that name.
  const SqlReply role = Ok(alice_, "SELECT current_role FROM " + ns_ + ".acct");
  ASSERT_EQ(role.Rows().size(), 1u);
  EXPECT_EQ(Text(role.Rows().at(0).at(0)), "alice");
  EXPECT_EQ(Text(role.body.at("results").at(0).at("schema").at(0).at("data_type")), "TEXT");
  // `user = 'alice'` compares the caller's name even where the key column is named user: it
  // is no key lookup (every row matches), and a qualified name is the key.
  Ok(kRoot, "CREATE TABLE " + ns_ + ".keyed (user TEXT PRIMARY KEY, n INT)");
  Ok(alice_, "INSERT INTO " + ns_ + ".keyed (user, n) VALUES ('alice', 1), ('bob', 2)");
  EXPECT_EQ(Scalar(alice_, "SELECT count(*) FROM " + ns_ + ".keyed WHERE user = 'alice'"), "2");
  EXPECT_EQ(Scalar(alice_, "SELECT sum(n) FROM " + ns_ + ".keyed k WHERE 'alice' = user"), "3");
  EXPECT_EQ(Scalar(alice_, "SELECT n FROM " + ns_ + ".keyed k WHERE k.user = 'bob'"), "2");
  EXPECT_EQ(Scalar(alice_, "SELECT count(*) FROM " + ns_ + ".keyed WHERE user = 'bob'"), "0");
  Ok(alice_, "DELETE FROM " + ns_ + ".acct WHERE acct.user = 'bob'");
  EXPECT_EQ(Scalar(alice_, "SELECT count(*) FROM " + ns_ + ".acct"), "0");

  // Views run as their reader; writes see the caller too; so does an impersonated statement.
  Ok(kRoot, "CREATE VIEW " + ns_ + ".whoami AS SELECT current_user AS who");
  EXPECT_EQ(Scalar(alice_, "SELECT who FROM " + ns_ + ".whoami"), "alice");
  EXPECT_EQ(Scalar(kRoot, "SELECT who FROM " + ns_ + ".whoami"), "root");
  Ok(kRoot, "CREATE TABLE " + ns_ + ".log (id BIGINT PRIMARY KEY, who TEXT, tag TEXT)");
  Ok(alice_, "INSERT INTO " + ns_ + ".log (id, who) VALUES (1, current_user)");
  Ok(alice_, "UPDATE " + ns_ + ".log SET tag = session_user || '!' WHERE id = 1");
  const SqlReply logged = Ok(alice_, "SELECT who, tag FROM " + ns_ + ".log WHERE id = 1");
  ASSERT_EQ(logged.Rows().size(), 1u);
  EXPECT_EQ(Text(logged.Rows().at(0).at(0)), "alice");
  EXPECT_EQ(Text(logged.Rows().at(0).at(1)), "alice!");
  EXPECT_EQ(Scalar(alice_, "SELECT count(*) FROM " + ns_ + ".log WHERE who = current_user"), "1");
  EXPECT_EQ(Scalar(kRoot, "EXECUTE AS USER 'alice' (SELECT current_user)"), "alice");
  for (const char* spelling : {"current_user", "user", "session_user", "current_role"}) {
    EXPECT_THAT(Scalar(alice_, std::string("SELECT ") + spelling), Not(HasSubstr("duckdb")));
  }
}

// Regression: SELECT version() named DuckDB's version.
TEST_F(IntrospectionTest, VersionIsKalamDbsVersion) {
  client::HttpClient anonymous = server_->AnonymousClient();
  const Result<client::HttpResult> health = anonymous.Get("/v1/api/healthcheck");
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  const std::string version = Text(boost::json::parse(health->body).at("version"));
  ASSERT_FALSE(version.empty());
  for (const std::string& authorization : {alice_, kRoot}) {
    EXPECT_EQ(Scalar(authorization, "SELECT version()"), version);
    EXPECT_EQ(Scalar(authorization, "SELECT main.version()"), version);
    EXPECT_EQ(Scalar(authorization, "SELECT upper(version()) = upper('" + version + "')"), "true");
    EXPECT_EQ(Scalar(authorization, "SELECT v FROM (SELECT version() AS v)"), version);
  }
  EXPECT_THAT(Scalar(alice_, "SELECT version()"), Not(HasSubstr("v1.4")));
  EXPECT_EQ(Sql(alice_, "SELECT * FROM pragma_version()").http_status, 403);
  EXPECT_EQ(Sql(alice_, "SELECT version('x')").http_status, 400);
}

}  // namespace
}  // namespace kalam::e2e

// What callers learn about the database itself over HTTP: SHOW TABLES, DESCRIBE and
// information_schema list exactly what each role may read (the same decision SELECT makes),
// views included; current_user and its spellings name the caller, and version() names
// KalamDB's version.
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
  // The error message of SQL that must fail as `authorization` (and its code in `code`).
  std::string Error(const std::string& authorization, const std::string& sql,
                    std::string* code = nullptr) {
    const SqlReply reply = Sql(authorization, sql);
    if (reply.ok() || !reply.body.is_object() || !reply.body.as_object().contains("error")) {
      ADD_FAILURE() << sql << ": expected an error\n" << boost::json::serialize(reply.body);
      return "";
    }
    if (code != nullptr) *code = reply.ErrorCode();
    return reply.ErrorMessage();
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

// Regression: views were missing from SHOW TABLES, and DESCRIBE of a view failed with
// "table not found".
TEST_F(IntrospectionTest, ShowTablesListsViewsAndDescribeGivesTheirResultColumns) {
  Ok(kRoot, "CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, name TEXT, score INT)");
  Ok(kRoot, "CREATE VIEW " + ns_ +
                ".v AS SELECT id, upper(name) AS loud, CAST(score AS DOUBLE) / 2 AS half, "
                "score > 10 AS high FROM t");
  EXPECT_EQ(ShowTables(kRoot, ns_),
            (std::map<std::string, std::string>{{"t", "USER"}, {"v", "VIEW"}}));
  const SqlReply all = Ok(kRoot, "SHOW TABLES");
  const std::vector<std::string> ids = Values(all, "table_id");
  EXPECT_NE(std::find(ids.begin(), ids.end(), ns_ + ":v"), ids.end());

  const std::vector<std::pair<std::string, std::string>> expected = {
      {"id", "BIGINT"}, {"loud", "TEXT"}, {"half", "DOUBLE"}, {"high", "BOOLEAN"}};
  EXPECT_EQ(Describe(kRoot, "DESCRIBE " + ns_ + ".v"), expected);
  EXPECT_EQ(Describe(kRoot, "DESCRIBE TABLE " + ns_ + ".v"), expected);
  EXPECT_EQ(Describe(kRoot, "DESC TABLE " + ns_ + ".v"), expected);
  boost::json::object in_namespace;
  in_namespace["namespace_id"] = ns_;
  const SqlReply unqualified = Ok(kRoot, "DESCRIBE v", in_namespace);
  EXPECT_EQ(Values(unqualified, "column_name"),
            (std::vector<std::string>{"id", "loud", "half", "high"}));
  // Tables still describe as before.
  EXPECT_EQ(Describe(kRoot, "DESCRIBE TABLE " + ns_ + ".t"),
            (std::vector<std::pair<std::string, std::string>>{
                {"id", "BIGINT"}, {"name", "TEXT"}, {"score", "INT"}}));

  // Bad input: a clear error, nothing changed.
  EXPECT_THAT(Error(kRoot, "DESCRIBE TABLE " + ns_ + ".v HISTORY"), HasSubstr("is a view"));
  EXPECT_EQ(Sql(kRoot, "DESCRIBE TABLE " + ns_ + ".nope").http_status, 400);
  EXPECT_THAT(Error(kRoot, "DESCRIBE TABLE " + ns_ + ".nope"), HasSubstr(ns_ + ".nope not found"));
  // A view whose table was dropped is readable by nobody: listed to nobody, and never
  // suggested for the table it misses (whose name is close to its own).
  Ok(kRoot, "CREATE TABLE " + ns_ + ".gone (id BIGINT PRIMARY KEY)");
  Ok(kRoot, "CREATE VIEW " + ns_ + ".gones AS SELECT id FROM gone");
  Ok(kRoot, "DROP TABLE " + ns_ + ".gone");
  EXPECT_EQ(Sql(kRoot, "DESCRIBE " + ns_ + ".gones").http_status, 400);
  std::string code;
  const std::string broken = Error(kRoot, "DESCRIBE " + ns_ + ".gones", &code);
  EXPECT_EQ(code, "TABLE_NOT_FOUND");
  EXPECT_THAT(broken, HasSubstr(ns_ + ".gone not found"));
  EXPECT_THAT(broken, Not(HasSubstr("did you mean")));
  EXPECT_EQ(Keys(ShowTables(kRoot, ns_)), (Names{"t", "v"}));
  EXPECT_THAT(Error(kRoot, "SELECT * FROM " + ns_ + ".gone"), Not(HasSubstr("did you mean")));
  EXPECT_THAT(Error(kRoot, "SELECT * FROM " + ns_ + ".vv"),
              HasSubstr("did you mean " + ns_ + ".v?"));
}

// Regression: SHOW TABLES IN system said "Namespace 'system' not found".
TEST_F(IntrospectionTest, SystemNamespacesListAndDescribeTheirTables) {
  const std::map<std::string, std::string> system = ShowTables(kRoot, "system");
  EXPECT_EQ(Keys(system), kSystemTables);
  for (const auto& [name, type] : system)
    EXPECT_EQ(type, "SYSTEM") << name;
  EXPECT_EQ(Keys(ShowTables(kRoot, "information_schema")), kInformationSchema);
  EXPECT_EQ(Keys(ShowTables(kRoot, "system", "SYSTEM")), kSystemTables);  // case-insensitive

  const auto users = Describe(kRoot, "DESCRIBE TABLE system.users");
  ASSERT_GE(users.size(), 4u);
  EXPECT_EQ(users.at(0), (std::pair<std::string, std::string>{"user_id", "TEXT"}));
  EXPECT_EQ(users.at(3), (std::pair<std::string, std::string>{"role", "TEXT"}));
  const auto columns = Describe(kRoot, "DESCRIBE information_schema.columns");
  ASSERT_GE(columns.size(), 5u);
  EXPECT_EQ(columns.at(4), (std::pair<std::string, std::string>{"ordinal_position", "INT"}));

  EXPECT_THAT(Error(kRoot, "DESCRIBE system.nope"), HasSubstr("system.nope not found"));
  EXPECT_THAT(Error(kRoot, "DESCRIBE TABLE system.users HISTORY"), HasSubstr("system table"));
  EXPECT_THAT(Error(kRoot, "SHOW TABLES IN nowhere"), HasSubstr("Namespace 'nowhere' not found"));
}

// Regression: a role-user SHOW TABLES listed PRIVATE and RESTRICTED tables it could not
// read, while information_schema was refused outright to every role but dba and system.
// Now both list exactly what SELECT lets the caller read, for every role.
TEST_F(IntrospectionTest, EveryRoleListsExactlyWhatItMayRead) {
  const std::string ns = ns_;
  for (const std::string& sql :
       {"CREATE TABLE " + ns + ".mine (id BIGINT PRIMARY KEY, body TEXT)",
        "CREATE TABLE " + ns + ".events (kind TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 60)",
        "CREATE SHARED TABLE " + ns + ".pub (id BIGINT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PUBLIC')",
        "CREATE SHARED TABLE " + ns + ".priv (id BIGINT PRIMARY KEY)",  // PRIVATE by default
        "CREATE SHARED TABLE " + ns +
            ".res_root (id BIGINT PRIMARY KEY) WITH (ACCESS_LEVEL = 'RESTRICTED')",
        "CREATE VIEW " + ns + ".v_pub AS SELECT id FROM pub",
        "CREATE VIEW " + ns + ".v_mine AS SELECT * FROM mine",
        "CREATE VIEW " + ns + ".v_priv AS SELECT p.id FROM pub JOIN priv p ON p.id = pub.id",
        "CREATE VIEW " + ns + ".v_nested AS SELECT * FROM v_priv",
        "CREATE VIEW " + ns + ".v_sys AS SELECT user_id FROM system.users",
        "CREATE VIEW " + ns + ".v_info AS SELECT table_name FROM information_schema.tables"}) {
    Ok(kRoot, sql);
  }
  // carol created a RESTRICTED table as a service and is now a plain user: she still reads
  // her own RESTRICTED table, and no one else's.
  Ok(carol_, "CREATE SHARED TABLE " + ns +
                 ".res_carol (id BIGINT PRIMARY KEY) WITH (ACCESS_LEVEL = 'RESTRICTED')");
  Ok(kRoot, "ALTER USER carol SET ROLE user");

  const Names user_reads = {"mine", "events", "pub", "v_pub", "v_mine", "v_info"};
  Names carol_reads = user_reads;
  carol_reads.insert("res_carol");
  Names service_reads = user_reads;
  service_reads.insert({"priv", "res_root", "res_carol", "v_priv", "v_nested"});
  Names admin_reads = service_reads;
  admin_reads.insert("v_sys");
  const Names everything = admin_reads;
  struct Caller {
    std::string name;
    std::string authorization;
    Names reads;
    bool reads_system;
  };
  const std::vector<Caller> callers = {
      {"alice (user)", alice_, user_reads, false},   {"carol (user)", carol_, carol_reads, false},
      {"svc (service)", svc_, service_reads, false}, {"dana (dba)", dana_, admin_reads, true},
      {"sysop (system)", sysop_, admin_reads, true}, {"root (system)", kRoot, admin_reads, true}};
  for (const Caller& caller : callers) {
    SCOPED_TRACE(caller.name);
    // SHOW TABLES, information_schema.tables and SELECT agree, object by object.
    const std::map<std::string, std::string> shown = ShowTables(caller.authorization, ns);
    EXPECT_EQ(Keys(shown), caller.reads);
    const SqlReply listed =
        Ok(caller.authorization,
           "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = '" +
               ns + "'");
    EXPECT_EQ(Set(Values(listed, "table_name")), caller.reads);
    for (const std::string& name : everything) {
      const int status = Sql(caller.authorization, "SELECT * FROM " + ns + "." + name).http_status;
      EXPECT_EQ(status, caller.reads.contains(name) ? 200 : 403) << name;
    }
    for (const auto& [name, type] : std::map<std::string, std::string>{
             {"v_pub", "VIEW"}, {"mine", "USER"}, {"events", "STREAM"}, {"pub", "SHARED"}}) {
      EXPECT_EQ(shown.contains(name) ? shown.at(name) : "", type) << name;
    }
    // information_schema.columns: the columns of readable tables only.
    const SqlReply columns =
        Ok(caller.authorization,
           "SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = '" +
               ns + "'");
    for (const std::string& table : Set(Values(columns, "table_name")))
      EXPECT_TRUE(caller.reads.contains(table)) << table;
    EXPECT_TRUE(Set(Values(columns, "table_name")).contains("pub"));
    EXPECT_EQ(Set(Values(columns, "table_name")).contains("priv"), caller.reads.contains("priv"));

    // The system namespaces: what the caller may read there, and nothing else.
    const Names system_reads = caller.reads_system ? kSystemTables : Names{};
    EXPECT_EQ(Keys(ShowTables(caller.authorization, "system")), system_reads);
    EXPECT_EQ(Keys(ShowTables(caller.authorization, "information_schema")), kInformationSchema);
    const SqlReply system_listed =
        Ok(caller.authorization,
           "SELECT table_name FROM information_schema.tables WHERE table_schema = 'system'");
    EXPECT_EQ(Set(Values(system_listed, "table_name")), system_reads);
    EXPECT_EQ(Sql(caller.authorization, "SELECT count(*) FROM system.users").http_status,
              caller.reads_system ? 200 : 403);
    EXPECT_EQ(Sql(caller.authorization, "DESCRIBE TABLE system.users").http_status,
              caller.reads_system ? 200 : 403);
    // A view over information_schema lists what its reader may read, not its creator.
    const SqlReply through_view =
        Ok(caller.authorization, "SELECT table_name FROM " + ns + ".v_info");
    const Names via_view = Set(Values(through_view, "table_name"));
    EXPECT_EQ(via_view.contains("priv"), caller.reads.contains("priv"));
    EXPECT_EQ(via_view.contains("users"), caller.reads_system);

    // SHOW TABLES without a namespace: the same objects, across namespaces.
    const SqlReply all = Ok(caller.authorization, "SHOW TABLES");
    Names in_ns;
    Names in_system;
    const std::vector<std::string> names = Values(all, "table_name");
    const std::vector<std::string> namespaces = Values(all, "namespace_id");
    for (size_t i = 0; i < names.size(); ++i) {
      if (namespaces.at(i) == ns) in_ns.insert(names.at(i));
      if (namespaces.at(i) == "system") in_system.insert(names.at(i));
    }
    EXPECT_EQ(in_ns, caller.reads);
    EXPECT_EQ(in_system, system_reads);

    // DESCRIBE follows the same decision.
    for (const std::string& name : everything) {
      const int status = Sql(caller.authorization, "DESCRIBE " + ns + "." + name).http_status;
      EXPECT_EQ(status, caller.reads.contains(name) ? 200 : 403) << name;
    }
  }
  // "Did you mean" suggests only what the caller may read: views too.
  EXPECT_THAT(Error(alice_, "SELECT * FROM " + ns + ".v_privv"), Not(HasSubstr("did you mean")));
  EXPECT_THAT(Error(svc_, "SELECT * FROM " + ns + ".v_privv"),
              HasSubstr("did you mean " + ns + ".v_priv?"));
  EXPECT_THAT(Error(alice_, "SELECT * FROM system.userz"), Not(HasSubstr("did you mean")));
  // A refused DESCRIBE says why, like SELECT.
  EXPECT_THAT(Error(alice_, "DESCRIBE TABLE " + ns + ".priv"),
              HasSubstr("may not read SHARED table " + ns + ".priv"));
}

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

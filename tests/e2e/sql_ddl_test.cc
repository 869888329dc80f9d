// DDL over HTTP against the real server.
#include "tests/e2e/sql_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

class DdlTest : public SqlTest {};

TEST_F(DdlTest, NamespaceLifecycleAndMessages) {
  const std::string ns = ns_ + "_x";
  EXPECT_EQ(Ok("CREATE NAMESPACE " + ns).Message(), "Namespace '" + ns + "' created successfully");
  EXPECT_EQ(Fails("CREATE NAMESPACE " + ns, 409),
            "Statement 1 failed: Namespace '" + ns + "' already exists");
  EXPECT_EQ(Ok("CREATE NAMESPACE IF NOT EXISTS " + ns).Message(),
            "Namespace '" + ns + "' already exists");
  EXPECT_EQ(Ok("ALTER NAMESPACE " + ns + " SET OPTIONS (enabled = true)").Message(),
            "Namespace '" + ns + "' altered successfully");
  const SqlReply options =
      Ok("SELECT options FROM system.namespaces WHERE namespace_id = '" + ns + "'");
  EXPECT_EQ(options.Rows().at(0).at(0).at("enabled"), "true");
  const SqlReply shown = Ok("SHOW NAMESPACES");
  bool listed = false;
  for (const auto& row : shown.Rows())
    listed = listed || row.at(0) == ns.c_str();
  EXPECT_TRUE(listed);
  EXPECT_EQ(Ok("DROP NAMESPACE " + ns).Message(), "Namespace '" + ns + "' dropped successfully");
  EXPECT_EQ(Fails("DROP NAMESPACE " + ns), "Statement 1 failed: Namespace '" + ns + "' not found");
  EXPECT_EQ(Ok("DROP NAMESPACE IF EXISTS " + ns).Message(),
            "Namespace '" + ns + "' does not exist (skipped)");
}

TEST_F(DdlTest, ReservedAndInvalidNamespaceNamesAreRefused) {
  EXPECT_THAT(Fails("CREATE NAMESPACE system"), HasSubstr("Namespace name 'system' is reserved"));
  EXPECT_THAT(Fails("CREATE NAMESPACE information_schema"), HasSubstr("is reserved"));
  EXPECT_THAT(Fails("CREATE NAMESPACE \"bad-name\""), HasSubstr("invalid namespace name"));
  EXPECT_THAT(Fails("DROP NAMESPACE default", 403), HasSubstr("built in"));
}

TEST_F(DdlTest, DropNamespaceNeedsCascadeWhenNotEmpty) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY)");
  EXPECT_THAT(Fails("DROP NAMESPACE " + ns_, 409),
              HasSubstr("namespace contains 1 table(s) or view(s). Drop them first, or use DROP "
                        "NAMESPACE " +
                        ns_ + " CASCADE."));
  Ok("DROP NAMESPACE " + ns_ + " CASCADE");
  EXPECT_TRUE(Ok("SELECT * FROM system.tables WHERE namespace_id = '" + ns_ + "'").Rows().empty());
}

TEST_F(DdlTest, CreateTableOfEachTypeWithEveryDataType) {
  EXPECT_EQ(Ok("CREATE TABLE " + ns_ +
               ".u (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), "
               "flag BOOLEAN, small SMALLINT, n INT, big BIGINT, f FLOAT, d DOUBLE, "
               "price DECIMAL(10,2), body TEXT NOT NULL, doc JSON, raw BYTES, uid UUID DEFAULT "
               "UUID_V7(), "
               "day DATE, at TIME, created_at TIMESTAMP DEFAULT NOW(), dt DATETIME, "
               "vec EMBEDDING(384), code TEXT DEFAULT ULID(), author TEXT DEFAULT CURRENT_USER(), "
               "status TEXT DEFAULT 'new', score INT DEFAULT -1)")
                .Message(),
            "User table " + ns_ + ".u created successfully");
  const SqlReply described = Ok("DESCRIBE TABLE " + ns_ + ".u");
  const auto& rows = described.Rows();
  ASSERT_EQ(rows.size(), 21u);
  EXPECT_EQ(rows[0].at(0), "id");
  EXPECT_EQ(rows[0].at(4), true);  // is_primary_key
  EXPECT_EQ(rows[0].at(5), "SNOWFLAKE_ID()");
  EXPECT_EQ(rows[7].at(2), "DECIMAL(10,2)");
  EXPECT_EQ(rows[8].at(3), false);  // body NOT NULL
  EXPECT_EQ(rows[16].at(2), "EMBEDDING(384)");
  EXPECT_EQ(rows[19].at(5), "'new'");
  EXPECT_EQ(
      Ok("CREATE SHARED TABLE " + ns_ + ".s (id INT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PUBLIC')")
          .Message(),
      "Shared table " + ns_ + ".s created successfully");
  EXPECT_EQ(Ok("CREATE TABLE " + ns_ + ".e (kind TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 30)")
                .Message(),
            "Stream table " + ns_ + ".e created successfully");
  const SqlReply types =
      Ok("SELECT table_name, table_type, access_level FROM system.tables "
         "WHERE namespace_id = '" +
         ns_ + "' ORDER BY table_name");
  EXPECT_EQ(types.Rows().at(0).at(1), "STREAM");
  EXPECT_EQ(types.Rows().at(1).at(2), "PUBLIC");
  EXPECT_EQ(types.Rows().at(2).at(1), "USER");
}

TEST_F(DdlTest, CreateTableRulesAndTheirMessages) {
  const std::string t = ns_ + ".t";
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT)"),
              HasSubstr("USER tables require a PRIMARY KEY column"));
  EXPECT_THAT(Fails("CREATE SHARED TABLE " + t + " (a INT)"),
              HasSubstr("SHARED tables require a PRIMARY KEY column"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT, b INT, PRIMARY KEY (a, b))"),
              HasSubstr("Composite PRIMARY KEYs are not supported yet"));
  EXPECT_THAT(Fails("CREATE STREAM TABLE " + t + " (a INT)"),
              HasSubstr("STREAM tables must specify 'TTL_SECONDS'"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY) WITH (TTL_SECONDS = 5)"),
              HasSubstr("TTL_SECONDS applies to STREAM tables only"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PUBLIC')"),
              HasSubstr("ACCESS_LEVEL applies to SHARED tables only"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY) WITH (COLOR = 'red')"),
              HasSubstr("Unknown table option 'COLOR'"));
  EXPECT_THAT(Fails("CREATE SHARED TABLE " + t + " (a INT PRIMARY KEY) WITH (TYPE = 'USER')"),
              HasSubstr("Conflicting table type definitions"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY) WITH (FLUSH_POLICY = 'rows:0')"),
              HasSubstr("FLUSH_POLICY rows must be between 1 and 999999"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (_seq INT PRIMARY KEY)"), HasSubstr("is reserved"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY, a TEXT)"),
              HasSubstr("column 'a' is defined twice"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY AUTO_INCREMENT)"),
              HasSubstr("AUTO_INCREMENT requires a BIGINT column"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY DEFAULT SNOWFLAKE_ID())"),
              HasSubstr("needs BIGINT or TEXT"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (v EMBEDDING(0) PRIMARY KEY)"),
              HasSubstr("EMBEDDING needs one dimension between 1 and 8192"));
  EXPECT_THAT(Fails("CREATE TABLE nowhere_ns.t (a INT PRIMARY KEY)"),
              HasSubstr("Namespace 'nowhere_ns' not found"));
  EXPECT_THAT(Fails("CREATE TABLE system.t (a INT PRIMARY KEY)", 403),
              HasSubstr("system tables cannot be created"));
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (a INT PRIMARY KEY) WITH (STORAGE_ID = 'nope')"),
              HasSubstr("Storage 'nope' not found"));

  Ok("CREATE TABLE " + t + " (id BIGINT AUTO_INCREMENT PRIMARY KEY)");
  EXPECT_EQ(Ok("DESCRIBE TABLE " + t).Rows().at(0).at(5), "SNOWFLAKE_ID()");
  EXPECT_THAT(Fails("CREATE TABLE " + t + " (id INT PRIMARY KEY)", 409),
              HasSubstr("Table " + t + " already exists"));
  EXPECT_EQ(Ok("CREATE TABLE IF NOT EXISTS " + t + " (id INT PRIMARY KEY)").Message(),
            "Table " + t + " already exists (IF NOT EXISTS)");
}

TEST_F(DdlTest, AlterTableKeepsEveryVersion) {
  const std::string t = ns_ + ".t";
  Ok("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, body TEXT)");
  // The reply states the whole resulting column, constraints kept by MODIFY included.
  EXPECT_EQ(
      Ok("ALTER TABLE " + t + " ADD COLUMN age INT NOT NULL DEFAULT 0").Message(),
      "Table " + t + " altered successfully: ADD COLUMN age INT NOT NULL DEFAULT 0 (version 2)");
  EXPECT_EQ(Ok("ALTER TABLE " + t + " MODIFY COLUMN age BIGINT").Message(),
            "Table " + t +
                " altered successfully: MODIFY COLUMN age BIGINT NOT NULL DEFAULT 0 (version 3)");
  EXPECT_EQ(Ok("ALTER TABLE " + t + " RENAME COLUMN body TO content").Message(),
            "Table " + t + " altered successfully: RENAME COLUMN body TO content (version 4)");
  EXPECT_EQ(Ok("ALTER TABLE " + t + " DROP COLUMN age").Message(),
            "Table " + t + " altered successfully: DROP COLUMN age (version 5)");
  const SqlReply history = Ok("DESCRIBE TABLE " + t + " HISTORY");
  ASSERT_EQ(history.Rows().size(), 5u);
  EXPECT_EQ(history.Rows().at(0).at(3), "id BIGINT, body TEXT");
  EXPECT_EQ(history.Rows().at(2).at(3), "id BIGINT, body TEXT, age BIGINT");
  EXPECT_EQ(history.Rows().at(4).at(3), "id BIGINT, content TEXT");
  EXPECT_EQ(Ok("SELECT schema_version FROM system.tables WHERE table_id = '" + ns_ + ":t'")
                .Rows()
                .at(0)
                .at(0),
            5);
}

TEST_F(DdlTest, RefusedAlterationsChangeNothing) {
  const std::string t = ns_ + ".t";
  Ok("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, body TEXT, n BIGINT)");
  EXPECT_THAT(Fails("ALTER TABLE " + t + " DROP COLUMN id"),
              HasSubstr("cannot drop the PRIMARY KEY column 'id'"));
  EXPECT_THAT(Fails("ALTER TABLE " + t + " MODIFY COLUMN n INT"),
              HasSubstr("cannot change column 'n' from BIGINT to INT"));
  EXPECT_THAT(Fails("ALTER TABLE " + t + " ADD COLUMN body TEXT", 409),
              HasSubstr("already exists"));
  EXPECT_THAT(Fails("ALTER TABLE " + t + " ADD COLUMN _x INT"), HasSubstr("is reserved"));
  EXPECT_THAT(Fails("ALTER TABLE " + t + " RENAME COLUMN nope TO x"), HasSubstr("does not exist"));
  EXPECT_THAT(Fails("ALTER TABLE " + t + " SET ACCESS LEVEL PUBLIC"),
              HasSubstr("ACCESS_LEVEL applies to SHARED tables only"));
  EXPECT_THAT(Fails("ALTER TABLE " + t + " SET TBLPROPERTIES (STORAGE_ID = 'local')"),
              HasSubstr("cannot be changed after CREATE TABLE"));
  EXPECT_THAT(Fails("ALTER TABLE " + ns_ + ".missing ADD COLUMN x INT"),
              HasSubstr("Table " + ns_ + ".missing not found"));
  EXPECT_EQ(Ok("DESCRIBE TABLE " + t + " HISTORY").Rows().size(), 1u);

  Ok("CREATE SHARED TABLE " + ns_ + ".s (id INT PRIMARY KEY)");
  EXPECT_THAT(Ok("ALTER TABLE " + ns_ + ".s SET ACCESS LEVEL RESTRICTED").Message(),
              HasSubstr("SET ACCESS_LEVEL = RESTRICTED (version 2)"));
  EXPECT_EQ(Ok("SELECT access_level FROM system.tables WHERE table_id = '" + ns_ + ":s'")
                .Rows()
                .at(0)
                .at(0),
            "RESTRICTED");
}

TEST_F(DdlTest, DropTable) {
  const std::string t = ns_ + ".t";
  Ok("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY)");
  EXPECT_EQ(Ok("DROP TABLE " + t).Message(), "Table " + t + " dropped successfully");
  EXPECT_THAT(Fails("DROP TABLE " + t), HasSubstr("Table " + t + " not found"));
  EXPECT_EQ(Ok("DROP TABLE IF EXISTS " + t).Message(), "Table " + t + " does not exist (skipped)");
  EXPECT_TRUE(Ok("SELECT * FROM information_schema.columns WHERE table_schema = '" + ns_ + "'")
                  .Rows()
                  .empty());
  Ok("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY)");  // the name is free again
  EXPECT_THAT(Fails("DROP STREAM TABLE " + t), HasSubstr("is a USER table, not STREAM"));
}

TEST_F(DdlTest, StorageLifecycleAndValidation) {
  const std::string id = ns_ + "_st";
  EXPECT_EQ(Ok("CREATE STORAGE " + id +
               " TYPE 'filesystem' NAME 'Archive' BASE_DIRECTORY '/tmp/a' "
               "USER_TABLES_TEMPLATE '{namespace_id}/{table_name}/{user_id}'")
                .Message(),
            "Storage '" + id + "' created successfully");
  const SqlReply shown =
      Ok("SELECT storage_name, user_tables_template FROM system.storages "
         "WHERE storage_id = '" +
         id + "'");
  EXPECT_EQ(shown.Rows().at(0).at(1), "{namespace}/{tableName}/{userId}");  // aliases normalised
  EXPECT_EQ(Ok("ALTER STORAGE " + id + " SET DESCRIPTION 'cold'").Message(),
            "Storage '" + id + "' altered successfully");
  EXPECT_THAT(Fails("ALTER STORAGE " + id + " SET BASE_DIRECTORY '/x'"),
              HasSubstr("cannot be changed"));
  EXPECT_THAT(Fails("CREATE STORAGE x1 TYPE 'filesystem' BASE_DIRECTORY '/a' "
                    "USER_TABLES_TEMPLATE '{namespace}/{tableName}'"),
              HasSubstr("must contain {userId}"));
  EXPECT_THAT(Fails("CREATE STORAGE x1 TYPE 'filesystem' BASE_DIRECTORY '/a' "
                    "SHARED_TABLES_TEMPLATE '{tableName}/{namespace}'"),
              HasSubstr("must order placeholders"));
  EXPECT_THAT(Fails("CREATE STORAGE x1 TYPE 'ftp' BASE_DIRECTORY '/a'"),
              HasSubstr("TYPE must be 'filesystem' or 's3'"));
  EXPECT_THAT(Fails("CREATE STORAGE x1 TYPE 'filesystem'"), HasSubstr("needs BASE_DIRECTORY"));
  EXPECT_THAT(Fails("CREATE STORAGE x1 TYPE 'filesystem' BASE_DIRECTORY '/a' CREDENTIALS 'x'"),
              HasSubstr("CREDENTIALS must be a JSON object"));

  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY) WITH (STORAGE_ID = '" + id + "')");
  EXPECT_THAT(Fails("DROP STORAGE " + id, 409), HasSubstr("it is used by 1 table(s)"));
  EXPECT_THAT(Fails("DROP STORAGE local", 403), HasSubstr("Cannot drop storage 'local'"));
  Ok("DROP TABLE " + ns_ + ".t");
  EXPECT_EQ(Ok("DROP STORAGE " + id).Message(), "Storage '" + id + "' dropped successfully");
  EXPECT_EQ(Ok("DROP STORAGE IF EXISTS " + id).Message(),
            "Storage '" + id + "' does not exist (skipped)");
}

TEST_F(DdlTest, S3StorageIsStoredButRefusedAtUse) {
  const std::string id = ns_ + "_s3";
  Ok("CREATE STORAGE " + id +
     " TYPE 's3' BUCKET 'b' REGION 'eu-west-1' "
     "CREDENTIALS '{\"access_key_id\": \"AK\", \"secret_access_key\": \"SECRET\"}'");
  const SqlReply shown =
      Ok("SELECT credentials, base_directory FROM system.storages "
         "WHERE storage_id = '" +
         id + "'");
  EXPECT_EQ(shown.Rows().at(0).at(0), "***");  // secrets never leave the server
  EXPECT_EQ(shown.Rows().at(0).at(1), "s3://b");
  EXPECT_THAT(
      Fails("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY) WITH (STORAGE_ID = '" + id + "')"),
      HasSubstr("is of type s3, which is not supported in this build"));
}

TEST_F(DdlTest, ViewsAreValidatedAndExpanded) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, body TEXT)");
  EXPECT_EQ(Ok("CREATE VIEW " + ns_ + ".v AS SELECT namespace_id FROM system.namespaces").Message(),
            "View " + ns_ + ".v created successfully");
  EXPECT_FALSE(Ok("SELECT * FROM " + ns_ + ".v WHERE namespace_id = '" + ns_ + "'").Rows().empty());
  // Bodies are checked like any query: tables, columns and SELECT-ness.
  Ok("CREATE VIEW " + ns_ + ".bodies AS SELECT body FROM t");
  EXPECT_THAT(Fails("CREATE VIEW " + ns_ + ".bad AS SELECT nope FROM t"),
              HasSubstr("invalid view body"));
  EXPECT_THAT(Fails("CREATE VIEW " + ns_ + ".bad AS SELECT * FROM missing"),
              HasSubstr("Table " + ns_ + ".missing not found"));
  EXPECT_THAT(Fails("CREATE VIEW " + ns_ + ".bad AS DELETE FROM t"),
              HasSubstr("only SELECT queries are supported here"));
  EXPECT_THAT(Fails("CREATE VIEW " + ns_ + ".v AS SELECT 1", 409), HasSubstr("already exists"));
  Ok("CREATE OR REPLACE VIEW " + ns_ + ".v AS SELECT 42 AS answer");
  EXPECT_EQ(Ok("SELECT answer FROM " + ns_ + ".v").Rows().at(0).at(0), 42);
  EXPECT_THAT(Fails("CREATE VIEW " + ns_ + ".t AS SELECT 1", 409), HasSubstr("already exists"));
  EXPECT_EQ(Ok("DROP VIEW " + ns_ + ".v").Message(), "View " + ns_ + ".v dropped successfully");
  EXPECT_EQ(Ok("DROP VIEW IF EXISTS " + ns_ + ".v").Message(),
            "View " + ns_ + ".v does not exist (skipped)");
  EXPECT_THAT(Fails("CREATE MATERIALIZED VIEW " + ns_ + ".m AS SELECT 1"),
              HasSubstr("not supported"));
}

TEST_F(DdlTest, ShowTablesAndStats) {
  Ok("CREATE TABLE " + ns_ + ".a (id INT PRIMARY KEY)");
  Ok("CREATE TABLE " + ns_ + ".b (id INT PRIMARY KEY)");
  const SqlReply tables = Ok("SHOW TABLES IN " + ns_);
  ASSERT_EQ(tables.Rows().size(), 2u);
  EXPECT_EQ(tables.Rows().at(0).at(1), "a");
  EXPECT_THAT(Fails("SHOW TABLES IN nowhere_ns"), HasSubstr("Namespace 'nowhere_ns' not found"));
  const SqlReply stats = Ok("SHOW STATS FOR TABLE " + ns_ + ".a");
  EXPECT_EQ(stats.Rows().at(0).at(0), "a");
  EXPECT_EQ(stats.Rows().at(0).at(3), 1);    // schema_version
  EXPECT_EQ(stats.Rows().at(0).at(4), "0");  // hot_row_versions (BIGINT as string)
}

}  // namespace
}  // namespace kalam::e2e

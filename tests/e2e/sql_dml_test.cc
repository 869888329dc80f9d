// INSERT and SELECT over HTTP against the real server (data-path issue, first part).
#include <signal.h>

#include <algorithm>
#include <regex>
#include <thread>
#include <tuple>

#include "tests/e2e/sql_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

class DmlTest : public SqlTest {};

TEST_F(DmlTest, EveryTypeRoundTripsThroughInsertAndSelect) {
  Ok("CREATE TABLE " + ns_ +
     ".t (id BIGINT PRIMARY KEY, flag BOOLEAN, small SMALLINT, n INT, "
     "f FLOAT, d DOUBLE, price DECIMAL(10,2), body TEXT, doc JSON, raw BYTES, uid UUID, "
     "day DATE, tm TIME, ts TIMESTAMP, vec EMBEDDING(3))");
  Ok("INSERT INTO " + ns_ +
     ".t VALUES (9007199254740993, true, -7, 42, 1.5, 0.1, 12.5, "
     "'héllo ✓ \"quoted\"', '{\"k\": [1, 2]}', 'hi!?', '0193A5E2-7C4F-7ABC-8DEF-0123456789AB', "
     "'2026-11-22', '10:00:00.5', '2026-11-22T10:00:00.123456Z', '[0.5, -1, 2]')");
  Ok("INSERT INTO " + ns_ + ".t (id) VALUES (2)");  // everything else NULL
  const SqlReply reply = Ok("SELECT * FROM " + ns_ + ".t ORDER BY id DESC");
  const auto& row = reply.Rows().at(0).as_array();
  EXPECT_EQ(row.at(0), "9007199254740993");  // BIGINT as a string: no precision lost
  EXPECT_EQ(row.at(1), true);
  EXPECT_EQ(row.at(2), -7);
  EXPECT_EQ(row.at(3), 42);
  EXPECT_EQ(row.at(4), 1.5);
  EXPECT_EQ(row.at(5), 0.1);
  EXPECT_EQ(row.at(6), "12.50");
  EXPECT_EQ(row.at(7), "héllo ✓ \"quoted\"");
  EXPECT_EQ(row.at(8).at("k").at(1), 2);  // JSON embedded, not a string
  EXPECT_EQ(row.at(9), "aGkhPw==");       // BYTES as base64
  EXPECT_EQ(row.at(10), "0193a5e2-7c4f-7abc-8def-0123456789ab");
  EXPECT_EQ(row.at(11), "2026-11-22");
  EXPECT_EQ(row.at(12), "10:00:00.500000");
  EXPECT_EQ(row.at(13), "2026-11-22T10:00:00.123456Z");
  EXPECT_EQ(row.at(14).at(1), -1);
  const auto& nulls = reply.Rows().at(1).as_array();
  for (size_t i = 1; i < nulls.size(); ++i)
    EXPECT_TRUE(nulls.at(i).is_null()) << i;
}

// The result schema names the types columns were declared with, as DESCRIBE does, on the
// general path and on the primary-key fast path alike; computed values keep DuckDB's type.
TEST_F(DmlTest, ResultSchemasReportDeclaredTypes) {
  const std::string t = ns_ + ".docs";
  Ok("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, seen DATETIME, vec EMBEDDING(3), body TEXT)");
  Ok("INSERT INTO " + t +
     " (id, seen, vec, body) VALUES (1, '2026-01-01T00:00:00Z', '[1,2,3]', 'x')");
  const auto types = [&](const std::string& sql) {
    const SqlReply reply = Ok(sql);
    std::vector<std::string> names;
    for (const boost::json::value& column :
         reply.body.at("results").at(0).at("schema").as_array()) {
      names.push_back(Text(column.at("name")) + ":" + Text(column.at("data_type")));
    }
    return names;
  };
  using V = std::vector<std::string>;
  const V declared = {"id:BIGINT", "seen:DATETIME", "vec:EMBEDDING(3)", "body:TEXT"};
  EXPECT_EQ(types("SELECT * FROM " + t), declared);
  EXPECT_EQ(types("SELECT * FROM " + t + " WHERE id = 1"), declared);  // PK fast path
  EXPECT_EQ(types("SELECT * FROM " + t + " WHERE body = 'x' ORDER BY id"), declared);
  EXPECT_EQ(types("SELECT d.seen AS at, vec, body || '!' AS loud, _seq FROM " + t + " d"),
            (V{"at:DATETIME", "vec:EMBEDDING(3)", "loud:TEXT", "_seq:BIGINT"}));
  EXPECT_EQ(types("SELECT a.*, b.seen FROM " + t + " a JOIN " + t + " b ON a.id = b.id"),
            (V{"id:BIGINT", "seen:DATETIME", "vec:EMBEDDING(3)", "body:TEXT", "seen:DATETIME"}));
  EXPECT_EQ(types("SELECT count(*) AS n, max(seen) AS latest FROM " + t),
            (V{"n:BIGINT", "latest:TIMESTAMP"}));
  // A CTE that shadows the table's name is not the table.
  EXPECT_EQ(types("WITH docs AS (SELECT 1 AS seen) SELECT seen FROM docs"), (V{"seen:INT"}));
  const SqlReply described = Ok("DESCRIBE TABLE " + t);
  EXPECT_THAT(boost::json::serialize(described.body), HasSubstr("EMBEDDING(3)"));
  EXPECT_THAT(boost::json::serialize(described.body), HasSubstr("DATETIME"));
}

// An integer for a TIMESTAMP or DATETIME column is epoch milliseconds, in a literal, a
// parameter and an UPDATE (it used to be refused: "expected an ISO-8601 string").
TEST_F(DmlTest, TimestampsAcceptIntegerEpochMilliseconds) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, ts TIMESTAMP, dt DATETIME)");
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 1767225600000, 1767225600123)");
  boost::json::object params;
  params["params"] = boost::json::array{2, 1767225600500};
  ASSERT_OK(PostSql(*client_, "INSERT INTO " + ns_ + ".t (id, ts) VALUES ($1, $2)", params));
  Ok("UPDATE " + ns_ + ".t SET dt = 0 WHERE id = 2");
  const SqlReply rows = Ok("SELECT ts, dt FROM " + ns_ + ".t ORDER BY id");
  EXPECT_EQ(rows.Rows().at(0).at(0), "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(rows.Rows().at(0).at(1), "2026-01-01T00:00:00.123000Z");
  EXPECT_EQ(rows.Rows().at(1).at(0), "2026-01-01T00:00:00.500000Z");
  EXPECT_EQ(rows.Rows().at(1).at(1), "1970-01-01T00:00:00.000000Z");
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t (id, ts) VALUES (3, 1.5)"),
              HasSubstr("integer epoch milliseconds"));
}

TEST_F(DmlTest, DefaultFunctionsFillMissingColumns) {
  Ok("CREATE TABLE " + ns_ +
     ".t (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), body TEXT, "
     "u UUID DEFAULT UUID_V7(), code TEXT DEFAULT ULID(), at_time TIMESTAMP DEFAULT NOW(), "
     "who TEXT DEFAULT CURRENT_USER(), status TEXT DEFAULT 'new', score INT DEFAULT -1, "
     "ok BOOLEAN DEFAULT true)");
  EXPECT_EQ(Ok("INSERT INTO " + ns_ + ".t (body) VALUES ('a'), ('b')").Message(),
            "Inserted 2 row(s)");
  const SqlReply reply = Ok("SELECT * FROM " + ns_ + ".t ORDER BY id");
  ASSERT_EQ(reply.Rows().size(), 2u);
  const auto& first = reply.Rows().at(0).as_array();
  const auto& second = reply.Rows().at(1).as_array();
  EXPECT_TRUE(std::regex_match(Text(first.at(0)), std::regex("[0-9]{18,19}")));
  EXPECT_LT(std::stoll(Text(first.at(0))), std::stoll(Text(second.at(0))));
  EXPECT_TRUE(std::regex_match(
      Text(first.at(2)),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_TRUE(std::regex_match(Text(first.at(3)), std::regex("[0-7][0-9A-HJKMNP-TV-Z]{25}")));
  EXPECT_TRUE(std::regex_match(Text(first.at(4)), std::regex("20[0-9]{2}-.*T.*\\.[0-9]{6}Z")));
  EXPECT_EQ(first.at(5), "root");
  EXPECT_EQ(first.at(6), "new");
  EXPECT_EQ(first.at(7), -1);
  EXPECT_EQ(first.at(8), true);
  Ok("INSERT INTO " + ns_ + ".t (id, body, status) VALUES (DEFAULT, 'c', DEFAULT)");
  EXPECT_EQ(Ok("SELECT count(*) FROM " + ns_ + ".t WHERE status = 'new'").Rows().at(0).at(0), "3");
}

TEST_F(DmlTest, ParametersOfEveryKind) {
  Ok("CREATE TABLE " + ns_ +
     ".t (id BIGINT PRIMARY KEY, body TEXT, n INT, d DOUBLE, ok BOOLEAN, "
     "doc JSON, vec EMBEDDING(2), ts TIMESTAMP)");
  boost::json::object request;
  request["params"] = boost::json::array{"9007199254740993",
                                         "text",
                                         7,
                                         2.5,
                                         true,
                                         boost::json::object{{"a", 1}},
                                         boost::json::array{0.5, 1.5},
                                         "2026-11-22T10:00:00Z"};
  Result<SqlReply> inserted = PostSql(
      *client_, "INSERT INTO " + ns_ + ".t VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", request);
  ASSERT_OK(inserted);
  EXPECT_EQ(inserted->http_status, 200) << boost::json::serialize(inserted->body);
  const SqlReply selected = Ok("SELECT * FROM " + ns_ + ".t");
  const auto& row = selected.Rows().at(0).as_array();
  EXPECT_EQ(row.at(0), "9007199254740993");
  EXPECT_EQ(row.at(2), 7);
  EXPECT_EQ(row.at(5).at("a"), 1);
  EXPECT_EQ(row.at(6).at(1), 1.5);
  EXPECT_EQ(row.at(7), "2026-11-22T10:00:00.000000Z");
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t (id) VALUES ($1)"),
              HasSubstr("parameter $1 was not given"));
}

TEST_F(DmlTest, FailingRowsFailTheWholeStatement) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, body TEXT NOT NULL, n INT)");
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 'kept', 1)");
  EXPECT_EQ(Fails("INSERT INTO " + ns_ + ".t VALUES (2, 'x', 1), (1, 'dup', 1)", 409),
            "Statement 1 failed: Primary key violation: value '1' already exists in column 'id'");
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t VALUES (3, 'x', 1), (4, NULL, 1)"),
              HasSubstr("column 'body' cannot be NULL"));
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t VALUES (5, 'x', 1), (6, 'y', 'many')"),
              HasSubstr("invalid value for column 'n' (INT): 'many' is not a whole number"));
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t VALUES (7, 'x', 99999999999)"),
              HasSubstr("out of range"));
  EXPECT_EQ(Ok("SELECT count(*) FROM " + ns_ + ".t").Rows().at(0).at(0), "1");
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t (nope) VALUES (1)"),
              HasSubstr("column 'nope' does not exist"));
  EXPECT_THAT(Fails("INSERT INTO system.users (user_id) VALUES ('x')", 403),
              HasSubstr("Cannot INSERT into SYSTEM tables"));
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t VALUES (8, 'x', 1) RETURNING id"),
              HasSubstr("RETURNING is not supported"));
}

TEST_F(DmlTest, InsertSelectAndExpressions) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, body TEXT, created TIMESTAMP)");
  EXPECT_EQ(Ok("INSERT INTO " + ns_ + ".t (id, body) SELECT i, 'row ' || i FROM range(1, 101) r(i)")
                .Message(),
            "Inserted 100 row(s)");
  Ok("INSERT INTO " + ns_ + ".t (id, body, created) VALUES (1000, upper('e') || '!', now())");
  const SqlReply reply =
      Ok("SELECT count(*), sum(id), max(body) FROM " + ns_ + ".t WHERE id <= 100");
  EXPECT_EQ(reply.Rows().at(0).at(0), "100");
  EXPECT_EQ(reply.Rows().at(0).at(1), "5050");
  EXPECT_EQ(Ok("SELECT body FROM " + ns_ + ".t WHERE id = 1000").Rows().at(0).at(0), "E!");
  // Window functions, CTEs and joins with shared and system tables run over the scoped rows.
  Ok("CREATE SHARED TABLE " + ns_ + ".tags (id BIGINT PRIMARY KEY, tag TEXT)");
  Ok("INSERT INTO " + ns_ + ".tags VALUES (1, 'first'), (2, 'second')");
  const SqlReply joined =
      Ok("WITH ranked AS (SELECT id, row_number() OVER (ORDER BY id DESC) AS r FROM " + ns_ +
         ".t) "
         "SELECT g.tag, ranked.r FROM ranked JOIN " +
         ns_ +
         ".tags g ON g.id = ranked.id "
         "JOIN system.namespaces n ON n.namespace_id = '" +
         ns_ + "' ORDER BY g.id");
  ASSERT_EQ(joined.Rows().size(), 2u);
  EXPECT_EQ(joined.Rows().at(0).at(0), "first");
  EXPECT_EQ(joined.Rows().at(0).at(1), "101");
}

TEST_F(DmlTest, ConcurrentClientsNeverDuplicateOrLoseRows) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, writer INT)");
  std::atomic<int> collisions_won{0};
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < 8; ++w) {
      threads.emplace_back([&, w] {
        client::HttpClient client = server_->Client();
        for (int key = 0; key < 40; ++key) {
          Result<SqlReply> shared =
              PostSql(client, "INSERT INTO " + ns_ + ".t VALUES (" + std::to_string(key) + ", " +
                                  std::to_string(w) + ")");
          if (shared.ok() && shared->http_status == 200) ++collisions_won;
          Result<SqlReply> own = PostSql(client, "INSERT INTO " + ns_ + ".t VALUES (" +
                                                     std::to_string(1000 + w * 100 + key) + ", " +
                                                     std::to_string(w) + ")");
          if (!own.ok() || own->http_status != 200) ++failures;
        }
      });
    }
  }
  EXPECT_EQ(collisions_won, 40);
  EXPECT_EQ(failures, 0);
  const SqlReply counts = Ok("SELECT count(*), count(DISTINCT id) FROM " + ns_ + ".t");
  EXPECT_EQ(counts.Rows().at(0).at(0), "360");
  EXPECT_EQ(counts.Rows().at(0).at(1), "360");
}

TEST_F(DmlTest, UpdateAndDeleteWithAnyWhere) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, body TEXT, n INT)");
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4)");
  boost::json::object params;
  params["params"] = boost::json::array{2};
  Result<SqlReply> updated = PostSql(
      *client_, "UPDATE " + ns_ + ".t SET n = n * 10, body = upper(body) WHERE n >= $1 AND id < 4",
      params);
  ASSERT_OK(updated);
  EXPECT_EQ(updated->Message(), "Updated 2 row(s)");
  EXPECT_EQ(Ok("UPDATE " + ns_ + ".t SET body = 'none' WHERE id = 99").Message(),
            "Updated 0 row(s)");
  params["params"] = boost::json::array{"C", 3};
  Result<SqlReply> by_key =
      PostSql(*client_, "UPDATE " + ns_ + ".t SET body = $1 WHERE id = $2", params);
  ASSERT_OK(by_key);
  EXPECT_EQ(by_key->Message(), "Updated 1 row(s)");
  EXPECT_EQ(Ok("DELETE FROM " + ns_ + ".t WHERE body = 'a' OR id IN (SELECT 4)").Message(),
            "Deleted 2 row(s)");
  const SqlReply rows = Ok("SELECT id, body, n FROM " + ns_ + ".t ORDER BY id");
  ASSERT_EQ(rows.Rows().size(), 2u);
  EXPECT_EQ(rows.Rows().at(0).at(1), "B");
  EXPECT_EQ(rows.Rows().at(1).at(2), 30);
  // Tombstones are versions too: visible when the query names _deleted.
  const SqlReply all = Ok("SELECT id, _deleted FROM " + ns_ + ".t ORDER BY id");
  ASSERT_EQ(all.Rows().size(), 4u);
  EXPECT_EQ(all.Rows().at(0).at(1), true);
  // A deleted key can be inserted again.
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 'again', 0)");
  EXPECT_EQ(Ok("SELECT body FROM " + ns_ + ".t WHERE id = 1").Rows().at(0).at(0), "again");
}

// UPDATE and DELETE accept every WHERE a SELECT does, and touch exactly the rows that SELECT
// finds. (LIKE, ILIKE, NOT LIKE and LIKE $1 once failed with "Referenced column _seq not
// found": the target query's system columns were decided by scanning the WHERE's text.)
TEST_F(DmlTest, UpdateAndDeleteTouchExactlyTheRowsTheirWhereSelects) {
  const std::string t = ns_ + ".t";
  Ok("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, name TEXT, v INT, made TIMESTAMP)");
  Ok("CREATE TABLE " + ns_ + ".other (id BIGINT PRIMARY KEY, ref BIGINT)");
  Ok("INSERT INTO " + ns_ + ".other VALUES (1, 3), (2, 5)");
  const std::vector<std::string> wheres = {
      "name LIKE 'n1%'",
      "name LIKE 'n1%' AND v > 7",
      "name ILIKE 'N2%'",
      "name NOT LIKE '%3'",
      "name NOT ILIKE 'n%' OR v IS NULL",
      "name LIKE $1",
      "name SIMILAR TO 'n[0-9]'",
      "regexp_matches(name, '^n1')",
      "name ~ '^n1'",
      "name !~ '1'",
      "(v & 1) = 1",
      "(v | 8) = 8 OR v ^ 2 = 9",
      "v << 1 = 10",
      "v BETWEEN 3 AND 6",
      "v NOT BETWEEN 3 AND 6",
      "v IN (1, 4, 9)",
      "v NOT IN (1, 4, 9)",
      "id IN (SELECT ref FROM " + ns_ + ".other)",
      "EXISTS (SELECT 1 FROM " + ns_ + ".other o WHERE o.ref = t.id)",
      "v > (SELECT avg(v) FROM " + t + ")",
      "CASE WHEN v % 2 = 0 THEN true ELSE false END",
      "CAST(v AS TEXT) = '5'",
      "v::VARCHAR || name = '5n5'",
      "length(name) = 3 AND upper(name) <> 'N10'",
      "COALESCE(v, 0) * 2 + 1 >= 11",
      "v IS NULL",
      "v IS DISTINCT FROM 4",
      "made < TIMESTAMP '2026-01-05'",
      "made + INTERVAL 1 DAY > TIMESTAMP '2026-01-08'",
      "abs(v - 5) <= 1 AND NOT (id = 5)",
      "_seq > 0 AND id < 3",
      "greatest(v, 7) = 7",
      "name = ANY (['n1', 'n2'])",
      "list_contains([2, 3], v)",
      "starts_with(name, 'n1')",
      "id IN (SELECT unnest([1, 2]))",
      "true",
  };
  boost::json::object params;
  params["params"] = boost::json::array{"n1%"};
  // Runs `sql`, with the parameter when it names $1; the reply must be a success.
  const auto run = [&](const std::string& sql) {
    Result<SqlReply> reply = PostSql(
        *client_, sql, sql.find("$1") != std::string::npos ? params : boost::json::object{});
    EXPECT_TRUE(reply.ok() && reply->ok())
        << sql << ": "
        << (reply.ok() ? boost::json::serialize(reply->body) : reply.status().ToString());
    return reply.ok() ? *reply : SqlReply{};
  };
  const auto ids = [&](const std::string& sql) {
    const SqlReply reply = run(sql);
    std::vector<std::string> found;
    if (reply.ok()) {
      for (const auto& row : reply.Rows())
        found.push_back(Text(row.at(0)));
    }
    std::sort(found.begin(), found.end());
    return found;
  };
  const auto reset = [&] {
    Ok("DELETE FROM " + t + " WHERE true");
    std::string values;
    for (int i = 1; i <= 12; ++i) {
      const std::string v = i == 6 ? "NULL" : std::to_string(i);
      values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 'n" + std::to_string(i) + "', " + v +
                ", TIMESTAMP '2026-01-01' + INTERVAL " + std::to_string(i) + " DAY)";
    }
    Ok("INSERT INTO " + t + " VALUES " + values);
  };
  for (const std::string& where : wheres) {
    SCOPED_TRACE(where);
    reset();
    const std::vector<std::string> expected = ids("SELECT id FROM " + t + " WHERE " + where);
    EXPECT_EQ(run("UPDATE " + t + " SET v = -100 WHERE " + where).Message(),
              "Updated " + std::to_string(expected.size()) + " row(s)");
    EXPECT_EQ(ids("SELECT id FROM " + t + " WHERE v = -100"), expected);
    reset();
    EXPECT_EQ(run("DELETE FROM " + t + " WHERE " + where).Message(),
              "Deleted " + std::to_string(expected.size()) + " row(s)");
    EXPECT_EQ(ids("SELECT id FROM " + t).size(), 12 - expected.size());
  }
}

TEST_F(DmlTest, RefusedUpdatesAndDeletesChangeNothing) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, body TEXT NOT NULL, n INT)");
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 'a', 1), (2, 'b', 2)");
  EXPECT_THAT(Fails("DELETE FROM " + ns_ + ".t"), HasSubstr("DELETE requires a WHERE clause"));
  EXPECT_THAT(Fails("UPDATE " + ns_ + ".t SET id = 5 WHERE id = 1"),
              HasSubstr("cannot UPDATE the primary key column 'id'"));
  EXPECT_THAT(Fails("UPDATE " + ns_ + ".t SET body = NULL WHERE id >= 1"),
              HasSubstr("column 'body' cannot be NULL"));
  // WHERE id = <value> takes the PK fast path; it enforces the same rules.
  EXPECT_THAT(Fails("UPDATE " + ns_ + ".t SET body = NULL WHERE id = 1"),
              HasSubstr("column 'body' cannot be NULL"));
  EXPECT_THAT(Fails("UPDATE " + ns_ + ".t SET n = 'x' WHERE id = 1"),
              HasSubstr("not a whole number"));
  EXPECT_THAT(Fails("UPDATE " + ns_ + ".t SET nope = 1"),
              HasSubstr("column 'nope' does not exist"));
  EXPECT_THAT(Fails("DELETE FROM system.users WHERE user_id = 'root'", 403),
              HasSubstr("Cannot DELETE from SYSTEM tables"));
  EXPECT_THAT(Fails("UPDATE " + ns_ + ".t SET n = 1 RETURNING id"),
              HasSubstr("RETURNING is not supported"));
  const SqlReply rows = Ok("SELECT body, n FROM " + ns_ + ".t ORDER BY id");
  EXPECT_EQ(rows.Rows().at(0).at(0), "a");
  EXPECT_EQ(rows.Rows().at(1).at(1), 2);
}

TEST_F(DmlTest, StreamTablesDeletePhysicallyAndRefuseUpdates) {
  Ok("CREATE STREAM TABLE " + ns_ + ".ev (kind TEXT) WITH (TTL_SECONDS = 3600)");
  Ok("INSERT INTO " + ns_ + ".ev VALUES ('typing'), ('typing'), ('joined')");
  EXPECT_THAT(Fails("UPDATE " + ns_ + ".ev SET kind = 'x' WHERE true"), HasSubstr("append-only"));
  EXPECT_THAT(Fails("DELETE FROM " + ns_ + ".ev"),
              HasSubstr("DELETE on STREAM tables requires a WHERE"));
  EXPECT_EQ(Ok("DELETE FROM " + ns_ + ".ev WHERE kind = 'typing'").Message(), "Deleted 2 row(s)");
  const SqlReply left = Ok("SELECT kind, _seq FROM " + ns_ + ".ev");
  ASSERT_EQ(left.Rows().size(), 1u);
  EXPECT_EQ(left.Rows().at(0).at(0), "joined");
}

// A STREAM table has no primary-key index: an equality on its key is a filter like any
// other. (The point-read fast path once answered it from the missing index: no rows.)
TEST_F(DmlTest, StreamEventsAreFoundByTheirKey) {
  for (const std::string type : {"TEXT", "BIGINT"}) {
    SCOPED_TRACE(type);
    const std::string t = ns_ + ".ev_" + (type == "TEXT" ? "t" : "b");
    Ok("CREATE TABLE " + t + " (id " + type +
       " PRIMARY KEY, kind TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 3600)");
    const std::string two = type == "TEXT" ? "'evt-2'" : "2";
    Ok("INSERT INTO " + t + " VALUES (" + (type == "TEXT" ? "'evt-1'" : "1") + ", 'a'), (" + two +
       ", 'b')");
    const SqlReply found = Ok("SELECT kind FROM " + t + " WHERE id = " + two);
    ASSERT_EQ(found.Rows().size(), 1u);
    EXPECT_EQ(found.Rows().at(0).at(0), "b");
    EXPECT_EQ(Ok("SELECT * FROM " + t + " WHERE id = " + two).Rows().size(), 1u);
    boost::json::object params;
    params["params"] =
        boost::json::array{type == "TEXT" ? boost::json::value("evt-2") : boost::json::value(2)};
    Result<SqlReply> by_param =
        PostSql(*client_, "SELECT kind FROM " + t + " WHERE id = $1", params);
    ASSERT_OK(by_param);
    EXPECT_EQ(by_param->Rows().size(), 1u) << boost::json::serialize(by_param->body);
    EXPECT_EQ(Ok("DELETE FROM " + t + " WHERE id = " + two).Message(), "Deleted 1 row(s)");
    EXPECT_TRUE(Ok("SELECT * FROM " + t + " WHERE id = " + two).Rows().empty());
  }
}

TEST_F(DmlTest, ParameterisedSelect) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, body TEXT)");
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  boost::json::object params;
  params["params"] = boost::json::array{2, "c"};
  Result<SqlReply> reply =
      PostSql(*client_, "SELECT id FROM " + ns_ + ".t WHERE id >= $1 AND body <> $2", params);
  ASSERT_OK(reply);
  ASSERT_EQ(reply->http_status, 200) << boost::json::serialize(reply->body);
  ASSERT_EQ(reply->Rows().size(), 1u);
  EXPECT_EQ(reply->Rows().at(0).at(0), "2");
  params["params"] = boost::json::array{2};
  Result<SqlReply> missing =
      PostSql(*client_, "SELECT id FROM " + ns_ + ".t WHERE id >= $1 AND body <> $2", params);
  ASSERT_OK(missing);
  EXPECT_EQ(missing->http_status, 400);
  EXPECT_THAT(missing->ErrorMessage(), HasSubstr("only 1 parameter(s) were given"));
}

TEST_F(DmlTest, StatementsAndFunctionsThatReachFilesOrInternalsAreRefused) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY)");
  for (const char* statement :
       {"ATTACH '/tmp/x.db' AS x", "ATTACH ':memory:' AS m", "COPY (SELECT 1) TO '/tmp/out.csv'",
        "PRAGMA version", "SET threads = 4", "SET VARIABLE v = 1", "RESET threads",
        "INSTALL httpfs", "LOAD json", "CALL pragma_version()", "EXPORT DATABASE '/tmp/x'",
        "CHECKPOINT", "DETACH x", "BEGIN TRANSACTION"}) {
    EXPECT_THAT(Fails(statement), HasSubstr("unsupported statement starting with")) << statement;
  }
  for (const char* function :
       {"read_csv('/etc/passwd')", "read_parquet('/tmp/*.parquet')", "read_json('/tmp/x.json')",
        "read_text('/etc/hostname')", "read_blob('/etc/hostname')", "glob('/*')", "duckdb_tables()",
        "duckdb_settings()", "kalam_scan('x.y', true)", "kalam_system('system.users')",
        "pragma_table_info('t')"}) {
    EXPECT_THAT(Fails(std::string("SELECT * FROM ") + function, 403), HasSubstr("is not allowed"))
        << function;
  }
  EXPECT_THAT(Fails("SELECT * FROM " + ns_ + ".t, read_csv('/etc/passwd')", 403),
              HasSubstr("is not allowed"));
  EXPECT_THAT(Fails("SELECT (SELECT count(*) FROM glob('/*'))", 403), HasSubstr("is not allowed"));
  EXPECT_THAT(Fails("INSERT INTO " + ns_ + ".t SELECT * FROM read_csv('/etc/passwd')", 403),
              HasSubstr("is not allowed"));
  EXPECT_EQ(Ok("SELECT count(*) FROM range(3)").Rows().at(0).at(0), "3");
}

TEST_F(DmlTest, ExpiredStreamEventsAreNeverReturned) {
  Ok("CREATE STREAM TABLE " + ns_ + ".typing (who TEXT) WITH (TTL_SECONDS = 1)");
  Ok("INSERT INTO " + ns_ + ".typing VALUES ('alice')");
  EXPECT_EQ(Ok("SELECT count(*) FROM " + ns_ + ".typing").Rows().at(0).at(0), "1");
  // Wait (with a deadline) for the TTL to pass; the event must then disappear from reads.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string count = "1";
  while (count != "0" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    count = Text(Ok("SELECT count(*) FROM " + ns_ + ".typing").Rows().at(0).at(0));
  }
  EXPECT_EQ(count, "0");
  Ok("INSERT INTO " + ns_ + ".typing VALUES ('bob')");  // fresh events are still visible
  EXPECT_EQ(Ok("SELECT who FROM " + ns_ + ".typing").Rows().at(0).at(0), "bob");
}

TEST_F(DmlTest, ReadersDuringWritesSeeWholeStatementsOnly) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, statement INT)");
  constexpr int kRowsPerStatement = 10;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::jthread writer([&] {
    client::HttpClient client = server_->Client();
    for (int statement = 0; statement < 60; ++statement) {
      std::string sql = "INSERT INTO " + ns_ + ".t VALUES ";
      for (int r = 0; r < kRowsPerStatement; ++r) {
        sql += (r ? ", (" : "(") + std::to_string(statement * kRowsPerStatement + r) + ", " +
               std::to_string(statement) + ")";
      }
      EXPECT_OK(PostSql(client, sql));
    }
    done = true;
  });
  client::HttpClient reader = server_->Client();
  while (!done) {
    Result<SqlReply> reply = PostSql(reader, "SELECT statement FROM " + ns_ +
                                                 ".t GROUP BY statement HAVING count(*) <> " +
                                                 std::to_string(kRowsPerStatement));
    ASSERT_OK(reply);
    ASSERT_EQ(reply->http_status, 200);
    if (!reply->Rows().empty()) ++torn;
    ++reads;
  }
  writer.join();
  EXPECT_EQ(torn, 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(Ok("SELECT count(*) FROM " + ns_ + ".t").Rows().at(0).at(0), "600");
}

// Every scan of one statement reads one snapshot: a self-join, two scalar subqueries and a
// view over the table agree with each other while writers commit. (Each scan used to take
// its own snapshot when DuckDB started it, so the two sides of a statement saw two states.)
// Primary-key equalities and _seq bounds in a WHERE narrow the scan (a point read, a shorter
// range); DuckDB still applies the whole WHERE. Each query must return exactly what the same
// predicate returns when it cannot be pushed down (wrapped in NOT NOT).
TEST_F(DmlTest, PushedDownFiltersNeverChangeWhatAQueryReturns) {
  const std::string t = ns_ + ".p";
  Ok("CREATE SHARED TABLE " + t + " (id BIGINT PRIMARY KEY, body TEXT, n INT)");
  for (int id = 1; id <= 9; ++id) {
    Ok("INSERT INTO " + t + " (id, body, n) VALUES (" + std::to_string(id) + ", 'b" +
       std::to_string(id) + "', " + std::to_string(id % 3) + ")");
  }
  Ok("UPDATE " + t + " SET body = 'changed' WHERE id = 5");
  Ok("DELETE FROM " + t + " WHERE id = 7");
  const std::string seq = Text(Ok("SELECT _seq FROM " + t + " WHERE id = 4").Rows()[0].at(0));
  const auto rows = [&](const std::string& select, const std::string& where,
                        const boost::json::array& params) {
    boost::json::object extra;
    if (!params.empty()) extra["params"] = params;
    Result<SqlReply> reply = PostSql(*client_, select + " WHERE " + where + " ORDER BY 1", extra);
    EXPECT_TRUE(reply.ok() && reply->ok())
        << where << " "
        << (reply.ok() ? boost::json::serialize(reply->body) : reply.status().ToString());
    return reply.ok() && reply->ok()
               ? boost::json::serialize(reply->body.at("results").at(0).at("rows"))
               : std::string("error");
  };
  const std::string all = "SELECT id, body, n FROM " + t;
  const std::string joined =
      "SELECT a.id, b.id, b.body FROM " + t + " a LEFT JOIN " + t + " b ON a.id = b.id + 1";
  const std::vector<std::tuple<std::string, std::string, boost::json::array>> cases = {
      {all, "id = 5", {}},
      {all, "5 = id AND body LIKE 'c%'", {}},
      {all, "id = '3'", {}},
      {all, "id = 3.5", {}},
      {all, "id = 1 AND id = 2", {}},
      {all, "id = 7", {}},
      {all, "id = $1 AND n >= 0", {2}},
      {all, "_seq > " + seq, {}},
      {all, "_seq >= " + seq + " AND _seq <= " + seq, {}},
      {all, "_seq < " + seq + " AND id > 1", {}},
      {all, "_seq = " + seq, {}},
      {joined, "b.id = 3", {}},
      {joined, "a.id = 4 AND b.id = 3", {}},
      {"SELECT id, (SELECT max(body) FROM " + t + " s WHERE s.id = 2) FROM " + t, "id = 6", {}},
  };
  for (const auto& [select, where, params] : cases) {
    const std::string pushed = rows(select, where, params);
    EXPECT_EQ(pushed, rows(select, "NOT NOT (" + where + ")", params)) << where;
    EXPECT_NE(pushed, "error") << where;
  }
  EXPECT_EQ(rows(all, "id = 5", {}), R"([["5","changed",2]])");
  EXPECT_EQ(rows(all, "id = 7", {}), "[]");
  // UPDATE and DELETE read their rows through the same scans.
  EXPECT_EQ(Ok("UPDATE " + t + " SET n = 10 WHERE id = 8 AND n = 2").Message(), "Updated 1 row(s)");
  EXPECT_EQ(Ok("DELETE FROM " + t + " WHERE id = 8 AND n = 2").Message(), "Deleted 0 row(s)");
  EXPECT_EQ(rows(all, "n = 10", {}), R"([["8","b8",10]])");
}

TEST_F(DmlTest, ScansOfOneStatementSeeOneSnapshot) {
  Ok("CREATE TABLE " + ns_ + ".t (id BIGINT PRIMARY KEY, v INT)");
  Ok("CREATE VIEW " + ns_ + ".all_t AS SELECT * FROM " + ns_ + ".t");
  std::atomic<bool> done{false};
  std::vector<std::jthread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      client::HttpClient client = server_->Client();
      for (int i = 0; !done && i < 1500; ++i) {  // bounded: the checks scan the whole table
        const std::string id = std::to_string(w * 1000000 + i);
        EXPECT_OK(PostSql(client, "INSERT INTO " + ns_ + ".t VALUES (" + id + ", 1)"));
        if (i % 3 == 0) EXPECT_OK(PostSql(client, "DELETE FROM " + ns_ + ".t WHERE id = " + id));
      }
    });
  }
  const std::string t = ns_ + ".t";
  const std::vector<std::string> checks = {
      "SELECT count(*) FROM " + t + " a FULL OUTER JOIN " + t +
          " b ON a.id = b.id WHERE a.id IS NULL OR b.id IS NULL",
      "SELECT (SELECT count(*) FROM " + t + ") - (SELECT count(*) FROM " + t + ")",
      "SELECT (SELECT count(*) FROM " + ns_ + ".all_t) - (SELECT sum(v) FROM " + t + ")",
      "SELECT count(*) FROM " + t + " WHERE id NOT IN (SELECT id FROM " + t + ")"};
  client::HttpClient reader = server_->Client();
  int disagreements = 0;
  for (int round = 0; round < 30; ++round) {
    for (const std::string& sql : checks) {
      ASSERT_OK_AND_ASSIGN(const SqlReply reply, PostSql(reader, sql));
      ASSERT_TRUE(reply.ok()) << sql << ": " << boost::json::serialize(reply.body);
      const boost::json::value& cell = reply.Rows().at(0).at(0);
      if (!(cell == "0" || cell == 0 || cell.is_null())) {
        ++disagreements;
        ADD_FAILURE() << sql << " gave " << boost::json::serialize(cell);
      }
    }
  }
  done = true;
  writers.clear();
  EXPECT_EQ(disagreements, 0);
  EXPECT_GT(std::stoi(Text(Ok("SELECT count(*) FROM " + t).Rows().at(0).at(0))), 0);
}

// kill -9 while a writer runs: every acknowledged statement is there after a restart, and
// every statement is there entirely or not at all.
TEST(DmlCrashTest, KillNineLosesNoAcknowledgedWriteAndNoStatementIsHalfApplied) {
  testing::TempDir dir;
  auto started = TestServer::Start({.data_dir = dir.path()});
  ASSERT_OK(started);
  std::unique_ptr<TestServer> server = std::move(started).value();
  client::HttpClient setup = server->Client();
  ASSERT_OK(PostSql(setup, "CREATE NAMESPACE crash"));
  ASSERT_OK(PostSql(setup, "CREATE TABLE crash.t (id BIGINT PRIMARY KEY, statement INT)"));
  constexpr int kRowsPerStatement = 5;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::jthread writer([&] {
    client::HttpClient client = server->Client(std::chrono::seconds(2));
    for (int statement = 0; !stop; ++statement) {
      std::string sql = "INSERT INTO crash.t VALUES ";
      for (int r = 0; r < kRowsPerStatement; ++r) {
        sql += (r ? ", (" : "(") + std::to_string(statement * kRowsPerStatement + r) + ", " +
               std::to_string(statement) + ")";
      }
      Result<SqlReply> reply = PostSql(client, sql);
      if (!reply.ok() || reply->http_status != 200) break;  // the server is gone
      acknowledged = statement + 1;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (acknowledged < 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(acknowledged, 200);
  ASSERT_OK_AND_ASSIGN(const int code, server->SignalAndWait(SIGKILL));  // mid-stream
  EXPECT_EQ(code, 128 + SIGKILL);
  stop = true;
  writer.join();
  const int acked = acknowledged;

  auto restarted = TestServer::Start({.data_dir = dir.path()});
  ASSERT_OK(restarted);
  client::HttpClient client = (*restarted)->Client();
  ASSERT_OK_AND_ASSIGN(const SqlReply per_statement,
                       PostSql(client,
                               "SELECT statement, count(*) FROM crash.t GROUP BY statement "
                               "HAVING count(*) <> " +
                                   std::to_string(kRowsPerStatement)));
  EXPECT_TRUE(per_statement.Rows().empty()) << boost::json::serialize(per_statement.body);
  ASSERT_OK_AND_ASSIGN(
      const SqlReply total,
      PostSql(client, "SELECT count(DISTINCT statement), max(statement) FROM crash.t"));
  const int statements = std::stoi(Text(total.Rows().at(0).at(0)));
  EXPECT_GE(statements, acked);      // every acknowledged statement survived
  EXPECT_LE(statements, acked + 1);  // at most the one in flight when killed
  EXPECT_EQ(total.Rows().at(0).at(1).to_number<int64_t>(), statements - 1);  // no gaps
}

}  // namespace
}  // namespace kalam::e2e

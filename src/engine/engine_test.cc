#include "engine/engine.h"

#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/collecting_sink.h"
#include "tests/testing/test_util.h"

namespace kalam::engine {
namespace {

using ::testing::HasSubstr;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore((dir_.path() / "rocksdb").string(), {}));
    ASSERT_OK_AND_ASSIGN(catalog_, catalog::Catalog::Open(*kv_, clock_, {"/st"}));
    system_tables_ = std::make_unique<SystemTables>(*catalog_, ServerInfo{"n1", "0.1.0", {}});
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open({.threads = 1,
                                                .memory_limit_mb = 256,
                                                .connections = 2,
                                                .allowed_directory = (dir_.path() / "st").string()},
                                               *system_tables_));
  }

  testing::CollectingSink::Result Run(const std::string& sql) {
    testing::CollectingSink sink;
    const Status status = engine_->Query(sql, reads_, {}, StopSignal{}, sink);
    EXPECT_OK(status);
    return status.ok() ? sink.last() : testing::CollectingSink::Result{};
  }

  Status RunError(const std::string& sql) {
    testing::CollectingSink sink;
    return engine_->Query(sql, reads_, {}, StopSignal{}, sink);
  }

  testing::TempDir dir_;
  SystemClock clock_;
  const StatementReads reads_;  // these queries read no table
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<SystemTables> system_tables_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, SystemTableFunctionServesCatalogRows) {
  ASSERT_OK(catalog_->CreateNamespace("app"));
  const auto result =
      Run("SELECT namespace_id, table_count FROM kalam_system('system.namespaces') "
          "ORDER BY namespace_id");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0][0].text, "app");
  EXPECT_EQ(result.rows[1][0].text, "default");
  EXPECT_EQ(result.columns[1].data_type, "INT");
  const auto users = Run("SELECT user_id, role, password_hash FROM kalam_system('system.users')");
  ASSERT_EQ(users.rows.size(), 1u);
  EXPECT_EQ(users.rows[0][1].text, "system");
  EXPECT_EQ(users.rows[0][2].kind, Value::Kind::kNull);  // root has no password yet
  EXPECT_EQ(RunError("SELECT * FROM kalam_system('system.nope')").code(),
            StatusCode::kInvalidArgument);
}

// information_schema lists what the running statement's caller may read, as its
// StatementReads says; without a decision it lists nothing.
TEST_F(EngineTest, InformationSchemaListsWhatTheStatementsCallerMayRead) {
  const std::string sql =
      "SELECT table_schema || '.' || table_name FROM kalam_system('information_schema.tables') "
      "ORDER BY 1";
  StatementReads reads;
  reads.SetMayRead([](std::string_view schema, std::string_view name) {
    return schema == "information_schema" || name == "users";
  });
  testing::CollectingSink sink;
  ASSERT_OK(engine_->Query(sql, reads, {}, StopSignal{}, sink));
  std::vector<std::string> names;
  for (const auto& row : sink.last().rows)
    names.push_back(row[0].text);
  EXPECT_EQ(names, (std::vector<std::string>{"information_schema.columns",
                                             "information_schema.tables", "system.users"}));
  EXPECT_TRUE(Run(sql).rows.empty());  // reads_ has no decision: nothing is readable
  EXPECT_TRUE(Run("SELECT * FROM kalam_system('information_schema.columns')").rows.empty());
  EXPECT_FALSE(Run("SELECT * FROM kalam_system('system.users')").rows.empty());  // read whole
}

TEST_F(EngineTest, DescribeGivesTheBoundColumnsWithoutRunning) {
  ASSERT_OK_AND_ASSIGN(
      const std::vector<ResultColumn> columns,
      engine_->Describe("SELECT 1::BIGINT AS a, upper('x') AS b, [1.5]::DOUBLE[] AS c, "
                        "12.5::DECIMAL(6,2) AS d FROM range(1000000000000) WHERE false"));
  ASSERT_EQ(columns.size(), 4u);
  EXPECT_EQ(columns[0].name, "a");
  EXPECT_EQ(columns[0].data_type, "BIGINT");
  EXPECT_EQ(columns[1].data_type, "TEXT");
  EXPECT_EQ(columns[2].data_type, "DOUBLE[]");
  EXPECT_EQ(columns[3].data_type, "DECIMAL(6,2)");
  ASSERT_OK_AND_ASSIGN(const std::vector<ResultColumn> users,
                       engine_->Describe("SELECT * FROM kalam_system('system.users')"));
  EXPECT_EQ(users.at(0).name, "user_id");
  EXPECT_EQ(engine_->Describe("SELECT nope").status().code(), StatusCode::kColumnNotFound);
  EXPECT_THAT(engine_->Describe("SELECT MAP {1: 2} AS m").status().message(),
              HasSubstr("column 'm' has a type the API cannot return"));
}

TEST_F(EngineTest, DecodesEveryResultType) {
  const auto result =
      Run("SELECT true, 7::TINYINT, 9007199254740993::BIGINT, 2.5::DOUBLE, 12.345::DECIMAL(10,3), "
          "-0.05::DECIMAL(5,2), 'héllo', NULL::INT, [1, NULL, 3], {'a': 1, 'b': 'x'}, "
          "'00112233-4455-6677-8899-aabbccddeeff'::UUID, DATE '2026-11-22', "
          "TIMESTAMP '2026-11-22 10:00:00.123456', '\\xAA\\x00'::BLOB, "
          "170141183460469231731687303715884105727::HUGEINT, '{\"k\": 1}'::JSON, "
          "[1.5, 2.5]::FLOAT[2], 18446744073709551615::UBIGINT");
  ASSERT_EQ(result.rows.size(), 1u);
  const std::vector<Value>& row = result.rows[0];
  EXPECT_TRUE(row[0].boolean);
  EXPECT_EQ(row[1].integer, 7);
  EXPECT_EQ(row[2].kind, Value::Kind::kInt64);
  EXPECT_EQ(row[2].integer, 9007199254740993);
  EXPECT_EQ(row[3].number, 2.5);
  EXPECT_EQ(row[4].text, "12.345");
  EXPECT_EQ(row[5].text, "-0.05");
  EXPECT_EQ(row[6].text, "héllo");
  EXPECT_EQ(row[7].kind, Value::Kind::kNull);
  ASSERT_EQ(row[8].children.size(), 3u);
  EXPECT_EQ(row[8].children[1].kind, Value::Kind::kNull);
  EXPECT_EQ(row[9].field_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(row[9].children[1].text, "x");
  EXPECT_EQ(row[10].text, "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(row[11].integer, 20779);  // days since 1970-01-01 (checked in Python)
  EXPECT_EQ(row[12].integer, 1795341600123456);
  EXPECT_EQ(row[13].text, std::string("\xAA\x00", 2));
  EXPECT_EQ(row[14].text, "170141183460469231731687303715884105727");
  EXPECT_EQ(row[15].kind, Value::Kind::kJson);
  EXPECT_EQ(row[16].children.size(), 2u);
  EXPECT_EQ(row[17].unsigned_integer, 18446744073709551615ULL);
  EXPECT_EQ(result.columns[4].data_type, "DECIMAL(10,3)");
  EXPECT_EQ(result.columns[8].data_type, "INT[]");
  EXPECT_EQ(result.columns[15].data_type, "JSON");
}

// Regression: a list parameter was always built as DOUBLE[], so text or nested elements
// made DuckDB return no value and binding it crashed the process.
TEST_F(EngineTest, ListParametersAreTypedFromTheirElements) {
  const auto list = [](std::vector<Value> children) {
    return Value{.kind = Value::Kind::kList, .children = std::move(children)};
  };
  const auto select = [&](const Value& parameter) {
    testing::CollectingSink sink;
    const std::vector<Value> params = {parameter};
    const Status status = engine_->Query("SELECT $1 AS p", reads_, params, StopSignal{}, sink);
    return std::make_pair(status, status.ok() ? sink.last() : testing::CollectingSink::Result{});
  };
  const auto [text_status, text] = select(list({Value::Text("a"), Value::Text("b")}));
  ASSERT_OK(text_status);
  EXPECT_EQ(text.columns[0].data_type, "TEXT[]");
  EXPECT_EQ(text.rows[0][0].children[1].text, "b");
  const auto [nested_status, nested] =
      select(list({list({Value::Int64(1), Value::Int64(2)}), list({Value::Int64(3)})}));
  ASSERT_OK(nested_status);
  EXPECT_EQ(nested.columns[0].data_type, "BIGINT[][]");
  EXPECT_EQ(nested.rows[0][0].children[1].children[0].integer, 3);
  const auto [widened_status, widened] =
      select(list({Value::Int64(1), Value::Null(), Value::Double(2.5)}));
  ASSERT_OK(widened_status);
  EXPECT_EQ(widened.columns[0].data_type, "DOUBLE[]");
  EXPECT_EQ(widened.rows[0][0].children[1].kind, Value::Kind::kNull);
  const auto [huge_status, huge] = select(list(
      {Value::Int64(-1), Value{.kind = Value::Kind::kDecimal, .text = "18446744073709551615"}}));
  ASSERT_OK(huge_status);
  EXPECT_EQ(huge.rows[0][0].children[1].text, "18446744073709551615");
  const auto [empty_status, empty] = select(list({}));
  ASSERT_OK(empty_status);
  EXPECT_TRUE(empty.rows[0][0].children.empty());
  const auto [booleans_status, booleans] = select(list({Value::Boolean(true), Value::Null()}));
  ASSERT_OK(booleans_status);
  EXPECT_EQ(booleans.columns[0].data_type, "BOOLEAN[]");
  // What has no single DuckDB type is refused, naming the parameter.
  const Status mixed = select(list({Value::Text("a"), Value::Int64(1)})).first;
  EXPECT_EQ(mixed.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(mixed.message()), HasSubstr("parameter $1"));
  EXPECT_THAT(std::string(mixed.message()), HasSubstr("cannot mix string and number"));
  EXPECT_EQ(select(list({list({Value::Int64(1)}), Value::Int64(2)})).first.code(),
            StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(select(list({Value::Json("{\"a\":1}")})).first.message()),
              HasSubstr("cannot contain objects"));
  EXPECT_EQ(select(Value{.kind = Value::Kind::kStruct}).first.code(), StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, LargeResultsStreamEveryRow) {
  const auto result = Run("SELECT i FROM range(100000) t(i)");
  EXPECT_EQ(result.row_count, 100000u);
  EXPECT_EQ(result.rows.back()[0].integer, 99999);
}

TEST_F(EngineTest, LockdownRefusesFilesAndSettings) {
  EXPECT_EQ(RunError("SELECT * FROM read_csv('/etc/passwd')").code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(RunError("SET threads = 4").message()), HasSubstr("locked"));
  EXPECT_THAT(std::string(RunError("SET enable_external_access = true").message()),
              HasSubstr("locked"));
  EXPECT_FALSE(RunError("INSTALL httpfs").ok());
  EXPECT_EQ(RunError("COPY (SELECT 1) TO '/tmp/kalam-evil.csv'").code(),
            StatusCode::kPermissionDenied);
}

TEST_F(EngineTest, ErrorsAreStatusesNotCrashes) {
  EXPECT_EQ(RunError("SELEC 1").code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(RunError("SELECT nope FROM range(1)").message()), HasSubstr("nope"));
  EXPECT_EQ(RunError("SELECT 1/0::INT, 'x'::INT"),
            Status::TypeMismatch("Could not convert string 'x' to INT32"));
  EXPECT_OK(engine_->Validate("SELECT 1"));
  // The kind is named and DuckDB's excerpt of the SQL it ran ("LINE 1: …") is gone.
  EXPECT_EQ(engine_->Validate("SELECT missing_column FROM range(1)"),
            Status::ColumnNotFound("Referenced column \"missing_column\" not found in FROM "
                                   "clause!\nCandidate bindings: \"range\""));
  EXPECT_EQ(engine_->Validate("SELEC").code(), StatusCode::kInvalidArgument);
}

constexpr const char* kRunaway = "SELECT count(*) FROM range(10000000000000)";

// A sink that raises a cancel flag when the first row arrives, like a client hanging up
// while rows stream.
class HangUpOnFirstRow final : public ResultSink {
 public:
  explicit HangUpOnFirstRow(std::shared_ptr<std::atomic<bool>> gone) : gone_(std::move(gone)) {}
  void BeginResult(std::span<const ResultColumn>) override {}
  void Row(std::span<const Value>) override {
    if (!gone_->exchange(true)) hung_up_at = std::chrono::steady_clock::now();
  }
  void EndResult(uint64_t, std::string_view) override {}
  std::chrono::steady_clock::time_point hung_up_at;

 private:
  std::shared_ptr<std::atomic<bool>> gone_;
};

TEST_F(EngineTest, QueryPastItsDeadlineIsInterruptedAndFreesItsConnection) {
  const auto started = std::chrono::steady_clock::now();
  // More runaways than connections: each is stopped and its connection returned.
  std::vector<std::future<Status>> runaways;
  for (int i = 0; i < 3; ++i) {
    runaways.push_back(std::async(std::launch::async, [this] {
      testing::CollectingSink sink;
      return engine_->Query(kRunaway, reads_, {},
                            StopSignal::Within(std::chrono::milliseconds(300), nullptr), sink);
    }));
  }
  for (std::future<Status>& runaway : runaways) {
    const Status status = runaway.get();
    EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status.ToString();
    EXPECT_THAT(std::string(status.message()), HasSubstr("statement_timeout_ms=300"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(Run("SELECT 42 AS answer").rows.at(0).at(0).integer, 42);
  EXPECT_EQ(Run("SELECT 43 AS answer").rows.at(0).at(0).integer, 43);
}

TEST_F(EngineTest, RaisedCancelFlagInterruptsTheRunningQuery) {
  auto gone = std::make_shared<std::atomic<bool>>(false);
  HangUpOnFirstRow sink(gone);
  const StopSignal stop = StopSignal::Within(std::chrono::seconds(60), gone);
  const Status status =
      engine_->Query("SELECT range FROM range(10000000000000)", reads_, {}, stop, sink);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_THAT(std::string(status.message()), HasSubstr("client went away"));
  EXPECT_LT(std::chrono::steady_clock::now() - sink.hung_up_at, std::chrono::seconds(1));
  EXPECT_EQ(Run("SELECT 1 AS one").rows.size(), 1u);
}

TEST_F(EngineTest, StatementThatAlreadyExpiredDoesNotRun) {
  testing::CollectingSink sink;
  StopSignal expired = StopSignal::Within(std::chrono::milliseconds(1), nullptr);
  expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  EXPECT_EQ(engine_->Query("SELECT 1", reads_, {}, expired, sink).code(),
            StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(sink.results.empty());
}

// A sink with room for `room` bytes of values, like the API's max_result_bytes.
class BoundedSink final : public ResultSink {
 public:
  explicit BoundedSink(size_t room) : room_(room) {}
  void BeginResult(std::span<const ResultColumn>) override {}
  void Row(std::span<const Value> values) override {
    ++rows;
    for (const Value& value : values)
      copied += value.text.size();
  }
  void EndResult(uint64_t, std::string_view) override {}
  Status CheckRoom(size_t bytes) const override {
    return copied + bytes > room_ ? Status::LimitExceeded("no room") : Status();
  }
  size_t rows = 0;
  size_t copied = 0;

 private:
  size_t room_;
};

TEST_F(EngineTest, CellLargerThanTheSinksRoomIsRefusedBeforeItIsCopied) {
  BoundedSink sink(1000);
  const Status status = engine_->Query("SELECT 'small' AS a, repeat('x', 100000000) AS b", reads_,
                                       {}, StopSignal{}, sink);
  EXPECT_EQ(status.code(), StatusCode::kLimitExceeded) << status.ToString();
  EXPECT_EQ(sink.rows, 0u);
  // Rows that fit are delivered until the one that does not.
  BoundedSink rows(1000);
  EXPECT_EQ(
      engine_->Query("SELECT repeat('y', 100) FROM range(100)", reads_, {}, StopSignal{}, rows)
          .code(),
      StatusCode::kLimitExceeded);
  EXPECT_EQ(rows.rows, 10u);
}

}  // namespace
}  // namespace kalam::engine

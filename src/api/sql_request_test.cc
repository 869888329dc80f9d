#include "api/sql_request.h"

#include <chrono>
#include <cstdlib>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kalam::api {
namespace {

using ::testing::HasSubstr;

constexpr SqlBodyLimits kLimits{.max_sql_length = 64, .max_params = 4, .max_param_bytes = 1024};

SqlRequest Parsed(std::string_view body, const SqlBodyLimits& limits = kLimits) {
  std::variant<SqlRequest, BodyError> result = ParseSqlRequest(body, limits);
  const auto* error = std::get_if<BodyError>(&result);
  EXPECT_EQ(error, nullptr) << body << ": " << (error != nullptr ? error->message : "");
  return error == nullptr ? std::get<SqlRequest>(std::move(result)) : SqlRequest{};
}

BodyError Refused(std::string_view body, const SqlBodyLimits& limits = kLimits) {
  std::variant<SqlRequest, BodyError> result = ParseSqlRequest(body, limits);
  EXPECT_TRUE(std::holds_alternative<BodyError>(result)) << body;
  return std::holds_alternative<BodyError>(result) ? std::get<BodyError>(result) : BodyError{};
}

TEST(SqlRequestTest, ParsesSqlParamsAndNamespace) {
  const SqlRequest request = Parsed(
      R"({"sql":"SELECT $1, $2","params":[1,"two",true,null],"namespace_id":"app","extra":{"x":[1]}})");
  EXPECT_EQ(request.sql, "SELECT $1, $2");
  ASSERT_EQ(request.params.size(), 4u);
  EXPECT_EQ(request.params[0].kind, Value::Kind::kInt64);
  EXPECT_EQ(request.params[0].integer, 1);
  EXPECT_EQ(request.params[1].text, "two");
  EXPECT_TRUE(request.params[2].boolean);
  EXPECT_EQ(request.params[3].kind, Value::Kind::kNull);
  EXPECT_EQ(request.namespace_id, "app");
  const SqlRequest nulls = Parsed(R"({"params":null,"namespace_id":null,"sql":"SELECT 1"})");
  EXPECT_TRUE(nulls.params.empty());
  EXPECT_FALSE(nulls.namespace_id.has_value());
}

TEST(SqlRequestTest, NumbersKeepTheirKinds) {
  const SqlRequest request =
      Parsed(R"({"sql":"x","params":[-5, 18446744073709551615, 2.5, 1e400]})");
  EXPECT_EQ(request.params[0].integer, -5);
  EXPECT_EQ(request.params[1].kind, Value::Kind::kDecimal);
  EXPECT_EQ(request.params[1].text, "18446744073709551615");
  EXPECT_EQ(request.params[2].number, 2.5);
  EXPECT_EQ(request.params[3].kind, Value::Kind::kDouble);
}

TEST(SqlRequestTest, ArraysBecomeListsAndObjectsJsonText) {
  const SqlRequest request = Parsed(
      R"({"sql":"x","params":[[1,2,null],[["a"],[],null],{"k":[1,{"n":"q\"x"}],"e":{}},[{"a":1},{"b":2}]]})");
  ASSERT_EQ(request.params.size(), 4u);
  EXPECT_EQ(request.params[0].kind, Value::Kind::kList);
  ASSERT_EQ(request.params[0].children.size(), 3u);
  EXPECT_EQ(request.params[0].children[1].integer, 2);
  EXPECT_EQ(request.params[1].children[0].children[0].text, "a");
  EXPECT_EQ(request.params[2].kind, Value::Kind::kJson);
  EXPECT_EQ(request.params[2].text, R"({"k":[1,{"n":"q\"x"}],"e":{}})");
  EXPECT_EQ(request.params[3].children[1].text, R"({"b":2})");
}

TEST(SqlRequestTest, ArrayElementsMustBeOfOneKind) {
  for (const char* params : {R"([["a","b",1]])", R"([[1,"b"]])", R"([[true,1]])", R"([[[1],2]])",
                             R"([null,[[1],["x"]]])", R"([[{"a":1},[1]]])"}) {
    const BodyError error = Refused(std::string(R"({"sql":"x","params":)") + params + "}");
    EXPECT_EQ(error.http_status, 400) << params;
    EXPECT_EQ(error.code, "INVALID_PARAMETER") << params;
    EXPECT_THAT(error.message, HasSubstr("array elements must all be of one kind")) << params;
  }
  EXPECT_THAT(Refused(R"({"sql":"x","params":[1,[1,"b"]]})").message,
              HasSubstr("parameter $2: array elements must all be of one kind"));
  EXPECT_THAT(Refused(R"({"sql":"x","params":[[[1],[],[null],["x"]]]})").message,
              HasSubstr("found an array of strings after an array of numbers"));
  EXPECT_EQ(
      Parsed(R"({"sql":"x","params":[[null,"a",null,"b"],[[1],[2,null],null]]})").params.size(),
      2u);
}

TEST(SqlRequestTest, LimitsAreEnforcedWhileParsing) {
  const BodyError too_many = Refused(R"({"sql":"x","params":[1,2,3,4,5,6]})");
  EXPECT_EQ(too_many.code, "INVALID_PARAMETER");
  EXPECT_THAT(too_many.message, HasSubstr("too many parameters"));
  EXPECT_EQ(Parsed(R"({"sql":"x","params":[1,2,3,4]})").params.size(), 4u);
  const BodyError big = Refused(R"({"sql":"x","params":[1,")" + std::string(2000, 'y') + "\"]}");
  EXPECT_EQ(big.code, "INVALID_PARAMETER");
  EXPECT_THAT(big.message, HasSubstr("parameter $2 is larger than 1024 bytes"));
  // An array is charged for its elements' memory, not just their text.
  std::string wide = R"({"sql":"x","params":[[0)";
  for (int i = 0; i < 200; ++i)
    wide += ",0";
  EXPECT_THAT(Refused(wide + "]]}").message, HasSubstr("parameter $1 is larger than"));
  const BodyError escaped =
      Refused(R"({"sql":"x","params":[{"k":")" + std::string(600, '\x01') + "\"}]}");
  EXPECT_EQ(escaped.code, "INVALID_REQUEST");  // raw control characters are invalid JSON
  std::string escapes = R"({"sql":"x","params":[{"k":")";
  for (int i = 0; i < 300; ++i)
    escapes += "\\u0001";  // 1 byte each once parsed, 6 in the JSON text
  EXPECT_THAT(Refused(escapes + "\"}]}").message, HasSubstr("larger than 1024 bytes"));
  const BodyError sql = Refused(R"({"sql":")" + std::string(65, 's') + "\"}");
  EXPECT_EQ(sql.http_status, 413);
  EXPECT_EQ(sql.code, "SQL_TOO_LONG");
  EXPECT_EQ(Parsed(R"({"sql":")" + std::string(64, 's') + "\"}").sql.size(), 64u);
}

TEST(SqlRequestTest, NestingDeeperThanTheBoundIsRefused) {
  const auto nested = [](size_t levels) {  // levels of arrays inside "params"
    return R"({"sql":"x","params":)" + std::string(levels, '[') + std::string(levels, ']') + "}";
  };
  const SqlBodyLimits roomy{.max_sql_length = 64, .max_params = 4, .max_param_bytes = 1 << 20};
  EXPECT_EQ(Parsed(nested(kMaxBodyDepth - 1), roomy).params.size(), 1u);
  const BodyError deep = Refused(nested(kMaxBodyDepth), roomy);
  EXPECT_EQ(deep.code, "INVALID_REQUEST");
  EXPECT_THAT(deep.message, HasSubstr("nests deeper than 32 levels"));
  EXPECT_THAT(Refused(R"({"sql":"x","ignored":)" + std::string(100000, '[')).message,
              HasSubstr("nests deeper"));
}

TEST(SqlRequestTest, ShapesAndTypesHaveClearErrors) {
  const auto expect = [](std::string_view body, std::string_view code, std::string_view message) {
    const BodyError error = Refused(body);
    EXPECT_EQ(error.http_status, 400) << body;
    EXPECT_EQ(error.code, code) << body;
    EXPECT_THAT(error.message, HasSubstr(std::string(message))) << body;
  };
  expect("", "INVALID_REQUEST", "must be a JSON object");
  expect("[]", "INVALID_REQUEST", "must be a JSON object");
  expect("\"sql\"", "INVALID_REQUEST", "must be a JSON object");
  expect("42", "INVALID_REQUEST", "must be a JSON object");
  expect(R"({"sql":"x"} {})", "INVALID_REQUEST", "must be a JSON object");
  expect(R"({"sql":"x")", "INVALID_REQUEST", "must be a JSON object");
  expect("{\"sql\":\"\xff\xfe\"}", "INVALID_REQUEST", "must be a JSON object");
  expect(R"({})", "INVALID_REQUEST", "\"sql\" must be a string");
  expect(R"({"sql":1})", "INVALID_REQUEST", "\"sql\" must be a string");
  expect(R"({"sql":null})", "INVALID_REQUEST", "\"sql\" must be a string");
  expect(R"({"sql":["SELECT 1"]})", "INVALID_REQUEST", "\"sql\" must be a string");
  expect(R"({"sql":"x","params":{"a":1}})", "INVALID_PARAMETER", "\"params\" must be an array");
  expect(R"({"sql":"x","params":"1"})", "INVALID_PARAMETER", "\"params\" must be an array");
  expect(R"({"sql":"x","namespace_id":7})", "INVALID_REQUEST", "\"namespace_id\" must be a string");
  expect(R"({"sql":"x","sql":"y"})", "INVALID_REQUEST", "\"sql\" is given twice");
  expect(R"({"sql":"x","params":[],"params":[]})", "INVALID_REQUEST", "given twice");
  expect(R"({"sql":"x","namespace_id":")" + std::string(300, 'n') + "\"}", "INVALID_REQUEST",
         "\"namespace_id\" is longer than");
}

// ---- fuzz: random bodies never crash the parser, and every outcome is a request within
// the limits or a clear error. KALAM_FUZZ_SECONDS runs longer than the default budget.

std::chrono::milliseconds FuzzBudget() {
  const char* seconds = std::getenv("KALAM_FUZZ_SECONDS");  // NOLINT(concurrency-mt-unsafe)
  return seconds != nullptr ? std::chrono::milliseconds(std::atoll(seconds) * 1000)
                            : std::chrono::milliseconds(1500);
}

class BodyGenerator {
 public:
  explicit BodyGenerator(uint64_t seed) : random_(seed) {}

  std::string Body() {
    switch (Pick(6)) {
      case 0:
        return Garbage(Pick(64));
      case 1:
        return Mutate(WellFormed());
      default:
        return WellFormed();
    }
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }

  std::string Garbage(size_t size) {
    std::string bytes;
    for (size_t i = 0; i < size; ++i)
      bytes.push_back(static_cast<char>(Pick(256)));
    return bytes;
  }
  std::string Mutate(std::string body) {
    for (size_t edits = 1 + Pick(4); edits > 0 && !body.empty(); --edits) {
      const size_t at = Pick(body.size());
      switch (Pick(3)) {
        case 0:
          body[at] = static_cast<char>(Pick(256));
          break;
        case 1:
          body.erase(at, 1 + Pick(8));
          break;
        default:
          body.insert(at, Garbage(1 + Pick(4)));
      }
    }
    return body;
  }
  std::string String() {
    static constexpr std::string_view kPieces[] = {
        "a", "SELECT $1", "\\\"", "\\u0000", "\\ud800", "é", "\xff", "\\n", "漢", "\\uD83D\\uDE00"};
    std::string text = "\"";
    for (size_t n = Pick(6); n > 0; --n)
      text += kPieces[Pick(std::size(kPieces))];
    if (Pick(20) == 0) text += std::string(Pick(3000), 'x');
    return text + "\"";
  }
  std::string Scalar() {
    static constexpr std::string_view kScalars[] = {"0",
                                                    "-1",
                                                    "1.5",
                                                    "1e400",
                                                    "-1e-400",
                                                    "18446744073709551616",
                                                    "99999999999999999999999",
                                                    "true",
                                                    "false",
                                                    "null",
                                                    "-0",
                                                    "1E+2",
                                                    "0.0000001"};
    return Pick(3) == 0 ? String() : std::string(kScalars[Pick(std::size(kScalars))]);
  }
  std::string Json(size_t depth) {
    if (depth > 40 || Pick(3) == 0) return Scalar();
    const bool object = Pick(2) == 0;
    std::string text(1, object ? '{' : '[');
    const bool wide = Pick(10) == 0;  // many scalars, or a few nested values
    const size_t n = Pick(wide ? 400 : 4);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) text += ',';
      if (object) text += String() + ":";
      text += wide ? Scalar() : Json(depth + 1 + Pick(3));
    }
    return text + (object ? '}' : ']');
  }
  std::string WellFormed() {
    static constexpr std::string_view kKeys[] = {"sql", "params", "namespace_id", "other", "sql"};
    std::string text = "{";
    for (size_t n = Pick(5); n > 0; --n) {
      if (text.size() > 1) text += ',';
      text += "\"" + std::string(kKeys[Pick(std::size(kKeys))]) + "\":" + Json(1);
    }
    return text + "}";
  }

  std::mt19937_64 random_;
};

size_t ValueBytes(const Value& value) {
  size_t bytes = sizeof(Value) + value.text.size();
  for (const Value& child : value.children)
    bytes += ValueBytes(child);
  return bytes;
}

TEST(SqlRequestFuzzTest, RandomBodiesGetARequestWithinTheLimitsOrAClearError) {
  const SqlBodyLimits limits{.max_sql_length = 256, .max_params = 8, .max_param_bytes = 4096};
  BodyGenerator generator(20261201);
  const auto deadline = std::chrono::steady_clock::now() + FuzzBudget();
  size_t accepted = 0, refused = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string body = generator.Body();
    std::variant<SqlRequest, BodyError> result = ParseSqlRequest(body, limits);
    if (const auto* error = std::get_if<BodyError>(&result)) {
      ++refused;
      ASSERT_TRUE(error->http_status == 400 || error->http_status == 413) << body;
      ASSERT_FALSE(error->code.empty()) << body;
      ASSERT_FALSE(error->message.empty()) << body;
      continue;
    }
    ++accepted;
    const SqlRequest& request = std::get<SqlRequest>(result);
    ASSERT_LE(request.sql.size(), limits.max_sql_length) << body;
    ASSERT_LE(request.params.size(), limits.max_params) << body;
    for (const Value& param : request.params) {
      // Memory bounded by the limit: each Value's own size plus its text is charged.
      ASSERT_LE(ValueBytes(param), limits.max_param_bytes + 2 * sizeof(Value)) << body;
    }
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace kalam::api

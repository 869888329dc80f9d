#pragma once

#include <string>

#include "common/value.h"

namespace kalam::api {

// Encodes statement results as the "results" array of DESIGN.md §9, as rows arrive:
// [{"schema":[{"name","data_type","index"}],"rows":[[…]],"row_count":N,"message"?}, …]
// Values: BIGINT/UBIGINT/DECIMAL/HUGEINT as strings, INT/DOUBLE as numbers, TIMESTAMP as
// ISO-8601 UTC with microseconds, DATE as YYYY-MM-DD, JSON embedded, BYTES as base64.
class JsonResultWriter final : public ResultSink {
 public:
  void BeginResult(std::span<const ResultColumn> columns) override;
  void Row(std::span<const Value> values) override;
  void EndResult(uint64_t row_count, std::string_view message) override;

  // The complete array ("[]" when no statement produced a result).
  std::string TakeArray();

 private:
  std::string out_ = "[";
  bool first_result_ = true;
  bool first_row_ = true;
};

// Appends `value` as JSON (exposed for tests).
void AppendJsonValue(std::string& out, const Value& value);
// Appends `text` as a JSON string literal.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace kalam::api

#pragma once

#include <functional>
#include <string>

#include "common/value.h"

namespace kalam::api {

// Encodes statement results as the "results" array of the public API, as rows arrive:
// [{"schema":[{"name","data_type","index"}],"rows":[[…]],"row_count":N,"message"?,
//   "as_user"?}, …]
// Values: BIGINT/UBIGINT/DECIMAL/HUGEINT as strings, INT/DOUBLE as numbers, TIMESTAMP as
// ISO-8601 UTC with microseconds, DATE as YYYY-MM-DD, JSON embedded, BYTES as base64.
class JsonResultWriter final : public ResultSink {
 public:
  // Receives the text produced so far whenever it grows past the spill size; returns false
  // once it can no longer be delivered (the client went away), which cancels the query.
  using Spill = std::function<bool(std::string_view text)>;

  JsonResultWriter() = default;  // keeps everything until TakeArray()
  // `max_row_bytes` bounds the encoded rows of all results together ([limits]
  // max_result_bytes): a row beyond it is dropped and the writer stops (Stopped()).
  JsonResultWriter(size_t spill_bytes, Spill spill, size_t max_row_bytes = SIZE_MAX)
      : spill_bytes_(spill_bytes), spill_(std::move(spill)), max_row_bytes_(max_row_bytes) {}

  void BeginResult(std::span<const ResultColumn> columns) override;
  void Row(std::span<const Value> values) override;
  void EndResult(uint64_t row_count, std::string_view message) override;
  // kUnavailable once the client went away, kLimitExceeded once the rows outgrew the limit.
  Status Stopped() const override;
  Status CheckRoom(size_t bytes) const override;
  void SetAsUser(std::string_view user_id) override { as_user_ = user_id; }

  // True once some text went to the spill: the caller must finish through it too.
  bool spilled() const { return spilled_; }
  // Ends the array at the last complete result after an error: a result cut short is
  // dropped while all of it is still here, and closed (valid JSON, its rows so far) when
  // part of it has already been spilled.
  void EndAtLastCompleteResult();
  // What has not been spilled, ending the array (all of it, "[…]", when nothing was).
  std::string TakeArray();

 private:
  Status TooLarge() const;

  size_t spill_bytes_ = 0;
  Spill spill_;
  size_t max_row_bytes_ = SIZE_MAX;
  size_t row_bytes_ = 0;  // encoded rows so far, over all results
  bool too_large_ = false;
  std::string out_ = "[";
  bool first_result_ = true;
  bool first_row_ = true;
  bool in_result_ = false;
  size_t open_result_start_ = 0;      // where the open result begins in out_
  bool open_result_first_ = false;    // whether it is the first result
  bool open_result_spilled_ = false;  // whether part of it has left out_
  uint64_t rows_in_result_ = 0;
  bool spilled_ = false;
  bool cancelled_ = false;
  std::string as_user_;  // reported in each result while set
};

}  // namespace kalam::api

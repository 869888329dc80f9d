#include "api/result_json.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "common/stop_signal.h"
#include "tables/value_json.h"

namespace kalam::api {

using tables::AppendJsonString;
using tables::AppendJsonValue;

void JsonResultWriter::BeginResult(std::span<const ResultColumn> columns) {
  open_result_start_ = out_.size();
  open_result_first_ = first_result_;
  open_result_spilled_ = false;
  if (!first_result_) out_.push_back(',');
  first_result_ = false;
  first_row_ = true;
  in_result_ = true;
  rows_in_result_ = 0;
  out_ += R"({"schema":[)";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out_.push_back(',');
    out_ += R"({"name":)";
    AppendJsonString(out_, columns[i].name);
    out_ += R"(,"data_type":)";
    AppendJsonString(out_, columns[i].data_type);
    out_ += R"(,"index":)" + std::to_string(i) + "}";
  }
  out_ += R"(],"rows":[)";
}

void JsonResultWriter::Row(std::span<const Value> values) {
  if (cancelled_ || too_large_) return;
  const size_t before = out_.size();
  if (!first_row_) out_.push_back(',');
  out_.push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out_.push_back(',');
    AppendJsonValue(out_, values[i]);
  }
  out_.push_back(']');
  row_bytes_ += out_.size() - before;
  if (row_bytes_ > max_row_bytes_) {
    too_large_ = true;
    out_.resize(before);  // the reply ends with the error instead of this row
    return;
  }
  first_row_ = false;
  ++rows_in_result_;
  if (spill_ && !cancelled_ && out_.size() >= spill_bytes_) {
    spilled_ = true;
    open_result_spilled_ = true;
    cancelled_ = !spill_(out_);
    out_.clear();
  }
}

void JsonResultWriter::EndResult(uint64_t row_count, std::string_view message) {
  out_ += R"(],"row_count":)" + std::to_string(row_count);
  if (!message.empty()) {
    out_ += R"(,"message":)";
    AppendJsonString(out_, message);
  }
  if (!as_user_.empty()) {
    out_ += R"(,"as_user":)";
    AppendJsonString(out_, as_user_);
  }
  out_.push_back('}');
  in_result_ = false;
}

Status JsonResultWriter::Stopped() const {
  if (cancelled_) return StopSignal::CancelledStatus();
  return too_large_ ? TooLarge() : Status();
}

Status JsonResultWriter::CheckRoom(size_t bytes) const {
  return too_large_ || row_bytes_ + bytes > max_row_bytes_ ? TooLarge() : Status();
}

Status JsonResultWriter::TooLarge() const {
  return Status::LimitExceeded(
      "the result is larger than max_result_bytes=" + std::to_string(max_row_bytes_) +
      "; select fewer rows or columns (WHERE, LIMIT) or page through it");
}

void JsonResultWriter::EndAtLastCompleteResult() {
  if (!in_result_) return;
  if (open_result_spilled_) return EndResult(rows_in_result_, "");
  out_.resize(open_result_start_);
  first_result_ = open_result_first_;
  in_result_ = false;
}

std::string JsonResultWriter::TakeArray() {
  std::string array = std::move(out_);
  array.push_back(']');
  out_ = "[";
  first_result_ = true;
  return array;
}

}  // namespace kalam::api

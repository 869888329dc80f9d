#pragma once

#include <string>
#include <vector>

#include "common/value.h"

namespace kalam::testing {

// A ResultSink that keeps every result, for tests.
class CollectingSink final : public ResultSink {
 public:
  struct Result {
    std::vector<ResultColumn> columns;
    std::vector<std::vector<Value>> rows;
    uint64_t row_count = 0;
    std::string message;
    std::string as_user;
  };

  void BeginResult(std::span<const ResultColumn> columns) override {
    results.push_back({{columns.begin(), columns.end()}, {}, 0, "", as_user_});
  }
  void Row(std::span<const Value> values) override {
    results.back().rows.emplace_back(values.begin(), values.end());
  }
  void EndResult(uint64_t row_count, std::string_view message) override {
    results.back().row_count = row_count;
    results.back().message = std::string(message);
  }

  void SetAsUser(std::string_view user_id) override { as_user_ = user_id; }

  const Result& last() const { return results.back(); }
  std::vector<Result> results;

 private:
  std::string as_user_;
};

}  // namespace kalam::testing

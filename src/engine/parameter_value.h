#pragma once

// Internal to engine/: our Values as DuckDB values, for binding $n parameters.
#include <utility>

#include "common/result.h"
#include "common/value.h"
#include "duckdb.h"

namespace kalam::engine {

// Owns a duckdb_value (never null).
class DuckDbValue {
 public:
  explicit DuckDbValue(duckdb_value value) : value_(value) {}
  ~DuckDbValue() {
    if (value_ != nullptr) duckdb_destroy_value(&value_);
  }
  DuckDbValue(DuckDbValue&& other) noexcept : value_(std::exchange(other.value_, nullptr)) {}
  DuckDbValue& operator=(DuckDbValue&&) = delete;
  DuckDbValue(const DuckDbValue&) = delete;
  DuckDbValue& operator=(const DuckDbValue&) = delete;

  duckdb_value get() const { return value_; }

 private:
  duckdb_value value_;
};

// `value` as a DuckDB value. Defined for every Value kind: scalars map to their DuckDB type
// (exact numbers as text and JSON objects as VARCHAR, which DuckDB casts where they are
// used); a list is typed from its elements (integers BIGINT, widened to HUGEINT or DOUBLE
// when an element needs it, text VARCHAR, nested lists recursively, NULL anywhere, an empty
// or all-NULL list VARCHAR[]). kInvalidArgument, naming the problem, for what has no single
// DuckDB type: a list mixing kinds, an object inside a list, a struct.
Result<DuckDbValue> ToDuckDbValue(const Value& value);

}  // namespace kalam::engine

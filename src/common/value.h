#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam {

// One cell of a query result, typed as the public API encodes it.
// A plain recursive struct: lists and structs hold their children.
struct Value {
  enum class Kind : uint8_t {
    kNull,
    kBoolean,
    kInt32,    // TINYINT/SMALLINT/INT: a JSON number
    kInt64,    // BIGINT: a JSON string (Snowflake ids exceed 2^53)
    kUInt64,   // UBIGINT: a JSON string
    kDouble,   // FLOAT/DOUBLE: a JSON number
    kDecimal,  // DECIMAL/HUGEINT as exact text: a JSON string
    kText,
    kJson,       // raw JSON text, embedded as JSON
    kBytes,      // base64 in JSON
    kTimestamp,  // microseconds since the Unix epoch, UTC
    kDate,       // days since the Unix epoch
    kTime,       // microseconds since midnight
    kList,       // children
    kStruct,     // children with field_names
  };

  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;  // kInt32, kInt64, kTimestamp, kDate, kTime
  uint64_t unsigned_integer = 0;
  double number = 0;
  std::string text;  // kText, kJson, kBytes (raw bytes), kDecimal
  std::vector<Value> children;
  std::vector<std::string> field_names;

  static Value Null() { return {}; }
  static Value Boolean(bool b) { return {.kind = Kind::kBoolean, .boolean = b}; }
  static Value Int32(int64_t v) { return {.kind = Kind::kInt32, .integer = v}; }
  static Value Int64(int64_t v) { return {.kind = Kind::kInt64, .integer = v}; }
  static Value Double(double v) { return {.kind = Kind::kDouble, .number = v}; }
  static Value Text(std::string v) { return {.kind = Kind::kText, .text = std::move(v)}; }
  static Value Json(std::string v) { return {.kind = Kind::kJson, .text = std::move(v)}; }
  // Milliseconds since the epoch, as stored in catalog records.
  static Value TimestampMillis(int64_t millis) {
    return {.kind = Kind::kTimestamp, .integer = millis * 1000};
  }

  friend bool operator==(const Value&, const Value&) = default;
};

// A result column: its name and SQL type name ("BIGINT", "TEXT", "TIMESTAMP", …).
struct ResultColumn {
  std::string name;
  std::string data_type;
};

// Receives one statement's result, row by row, so that large results are encoded as they
// are produced instead of being held whole. Calls: BeginResult, Row*, EndResult.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void BeginResult(std::span<const ResultColumn> columns) = 0;
  virtual void Row(std::span<const Value> values) = 0;
  // `message` is empty for queries ("Inserted 3 row(s)" for DML, "Namespace 'a' created…").
  virtual void EndResult(uint64_t row_count, std::string_view message) = 0;
  // OK while rows are wanted; otherwise why producers must stop (the client went away, a
  // limit was reached). Checked by producers after each row.
  virtual Status Stopped() const { return Status(); }
  // OK if `bytes` more bytes of values still fit; otherwise the limit's error. Producers ask
  // before copying a large value, so a single huge cell is never materialised.
  virtual Status CheckRoom(size_t /*bytes*/) const { return Status(); }
  // The results that follow ran as this user (AS USER impersonation); "" ends that.
  virtual void SetAsUser(std::string_view /*user_id*/) {}
};

// Passes everything on to another sink; a subclass overrides what it changes.
class ForwardingSink : public ResultSink {
 public:
  explicit ForwardingSink(ResultSink& out) : out_(out) {}
  void BeginResult(std::span<const ResultColumn> columns) override { out_.BeginResult(columns); }
  void Row(std::span<const Value> values) override { out_.Row(values); }
  void EndResult(uint64_t row_count, std::string_view message) override {
    out_.EndResult(row_count, message);
  }
  Status Stopped() const override { return out_.Stopped(); }
  Status CheckRoom(size_t bytes) const override { return out_.CheckRoom(bytes); }
  void SetAsUser(std::string_view user_id) override { out_.SetAsUser(user_id); }

 protected:
  ResultSink& out_;
};

}  // namespace kalam

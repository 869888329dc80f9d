#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"

namespace kalam {

// Layout of a Snowflake id (a positive int64):
//   bit 63      0
//   bits 62..22 milliseconds since kSnowflakeEpochMillis (41 bits, ~69 years)
//   bits 21..12 worker id (10 bits)
//   bits 11..0  sequence within the millisecond (12 bits)
inline constexpr int64_t kSnowflakeEpochMillis = 1704067200000;  // 2024-01-01T00:00:00Z
inline constexpr int kSnowflakeWorkerBits = 10;
inline constexpr int kSnowflakeSequenceBits = 12;
inline constexpr int kSnowflakeTimestampBits = 41;

struct SnowflakeParts {
  int64_t unix_millis;
  uint32_t worker_id;
  uint32_t sequence;
};

// Splits an id into its fields (unix_millis includes the epoch offset).
SnowflakeParts DecodeSnowflake(int64_t id);
// The smallest id of `unix_millis`: ids below it were generated before that millisecond.
int64_t SnowflakeFloor(int64_t unix_millis);

// The worker id of a node: FNV-1a 64 of the node id, mod 1024. Stable across builds and
// platforms, unlike std::hash.
uint32_t SnowflakeWorkerId(const NodeId& node_id);

// Generates unique, strictly increasing 64-bit ids (used for `_seq` and row ids).
//
// Monotonic even if the clock goes backwards or more than 4,096 ids are taken in one
// millisecond: it then borrows the next millisecond instead of waiting, so it never
// blocks. Thread-safe and lock-free (one CAS per id).
class SnowflakeGenerator {
 public:
  SnowflakeGenerator(const Clock& clock, const NodeId& node_id);
  ~SnowflakeGenerator() = default;
  SnowflakeGenerator(const SnowflakeGenerator&) = delete;
  SnowflakeGenerator& operator=(const SnowflakeGenerator&) = delete;

  // Returns the next id, or kInternal once the 41-bit timestamp space (year 2093) is used up.
  Result<int64_t> Next();

  uint32_t worker_id() const { return worker_id_; }

 private:
  const Clock& clock_;
  const uint32_t worker_id_;
  // (milliseconds since the Snowflake epoch << 12) | sequence of the last id handed out.
  std::atomic<uint64_t> last_{0};
};

}  // namespace kalam

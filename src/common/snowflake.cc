#include "common/snowflake.h"

#include <algorithm>

namespace kalam {
namespace {
constexpr uint64_t kSequenceMask = (uint64_t{1} << kSnowflakeSequenceBits) - 1;
constexpr uint64_t kWorkerMask = (uint64_t{1} << kSnowflakeWorkerBits) - 1;
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << kSnowflakeTimestampBits) - 1;
}  // namespace

SnowflakeParts DecodeSnowflake(int64_t id) {
  const auto bits = static_cast<uint64_t>(id);
  return {
      .unix_millis = static_cast<int64_t>(bits >> (kSnowflakeWorkerBits + kSnowflakeSequenceBits)) +
                     kSnowflakeEpochMillis,
      .worker_id = static_cast<uint32_t>((bits >> kSnowflakeSequenceBits) & kWorkerMask),
      .sequence = static_cast<uint32_t>(bits & kSequenceMask),
  };
}

int64_t SnowflakeFloor(int64_t unix_millis) {
  const int64_t since_epoch = std::max<int64_t>(unix_millis - kSnowflakeEpochMillis, 0);
  return since_epoch << (kSnowflakeWorkerBits + kSnowflakeSequenceBits);
}

uint32_t SnowflakeWorkerId(const NodeId& node_id) {
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (const char c : node_id.value()) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ULL;
  }
  return static_cast<uint32_t>(hash % 1024);
}

SnowflakeGenerator::SnowflakeGenerator(const Clock& clock, const NodeId& node_id)
    : clock_(clock), worker_id_(SnowflakeWorkerId(node_id)) {}

Result<int64_t> SnowflakeGenerator::Next() {
  const int64_t since_epoch = std::max<int64_t>(clock_.NowMillis() - kSnowflakeEpochMillis, 0);
  const uint64_t now_state = static_cast<uint64_t>(since_epoch) << kSnowflakeSequenceBits;
  uint64_t last = last_.load(std::memory_order_relaxed);
  uint64_t next = 0;
  do {
    // A later clock starts a fresh millisecond at sequence 0; otherwise take the next
    // sequence, which carries into the next millisecond after 4,095.
    next = std::max(now_state, last + 1);
  } while (!last_.compare_exchange_weak(last, next, std::memory_order_relaxed));

  const uint64_t millis = next >> kSnowflakeSequenceBits;
  if (millis > kMaxTimestamp) {
    return Status::Internal("snowflake timestamp space exhausted");
  }
  const uint64_t id = (millis << (kSnowflakeWorkerBits + kSnowflakeSequenceBits)) |
                      (uint64_t{worker_id_} << kSnowflakeSequenceBits) | (next & kSequenceMask);
  return static_cast<int64_t>(id);
}

}  // namespace kalam

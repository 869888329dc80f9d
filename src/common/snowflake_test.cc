#include "common/snowflake.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam {
namespace {

using std::chrono::milliseconds;

std::chrono::system_clock::time_point AtUnixMillis(int64_t millis) {
  return std::chrono::system_clock::time_point(milliseconds(millis));
}

TEST(SnowflakeTest, LayoutEncodesTimestampWorkerAndSequence) {
  const int64_t now = kSnowflakeEpochMillis + 123456789;
  ManualClock clock(AtUnixMillis(now));
  const NodeId node("node1");
  SnowflakeGenerator generator(clock, node);

  ASSERT_OK_AND_ASSIGN(const int64_t first, generator.Next());
  ASSERT_OK_AND_ASSIGN(const int64_t second, generator.Next());
  EXPECT_GT(first, 0);
  const SnowflakeParts a = DecodeSnowflake(first);
  const SnowflakeParts b = DecodeSnowflake(second);
  EXPECT_EQ(a.unix_millis, now);
  EXPECT_EQ(a.worker_id, SnowflakeWorkerId(node));
  EXPECT_EQ(a.sequence, 0u);
  EXPECT_EQ(b.unix_millis, now);
  EXPECT_EQ(b.sequence, 1u);
  // The raw layout: 41 bits of time, 10 of worker, 12 of sequence.
  EXPECT_EQ(first, (int64_t{123456789} << 22) | (int64_t{SnowflakeWorkerId(node)} << 12));
}

TEST(SnowflakeTest, WorkerIdIsStableFnvHashOfNodeIdMod1024) {
  // FNV-1a 64 of "node1" is 0xca4eba7207232f14 (computed independently in Python).
  EXPECT_EQ(SnowflakeWorkerId(NodeId("node1")), 0xca4eba7207232f14ULL % 1024);
  EXPECT_LT(SnowflakeWorkerId(NodeId("some-other-node")), 1024u);
  EXPECT_NE(SnowflakeWorkerId(NodeId("a")), SnowflakeWorkerId(NodeId("b")));
}

TEST(SnowflakeTest, SequenceOverflowBorrowsNextMillisecond) {
  ManualClock clock(AtUnixMillis(kSnowflakeEpochMillis + 1000));
  SnowflakeGenerator generator(clock, NodeId("n"));
  int64_t last = 0;
  for (int i = 0; i < 4096; ++i) {
    ASSERT_OK_AND_ASSIGN(last, generator.Next());
  }
  EXPECT_EQ(DecodeSnowflake(last).sequence, 4095u);
  ASSERT_OK_AND_ASSIGN(const int64_t next, generator.Next());
  EXPECT_GT(next, last);
  EXPECT_EQ(DecodeSnowflake(next).unix_millis, kSnowflakeEpochMillis + 1001);
  EXPECT_EQ(DecodeSnowflake(next).sequence, 0u);
}

TEST(SnowflakeTest, StaysMonotonicWhenClockGoesBackwards) {
  ManualClock clock(AtUnixMillis(kSnowflakeEpochMillis + 50000));
  SnowflakeGenerator generator(clock, NodeId("n"));
  ASSERT_OK_AND_ASSIGN(const int64_t before, generator.Next());
  clock.Advance(-std::chrono::seconds(10));  // NTP step backwards
  ASSERT_OK_AND_ASSIGN(const int64_t during, generator.Next());
  EXPECT_GT(during, before);
  EXPECT_EQ(DecodeSnowflake(during).unix_millis, kSnowflakeEpochMillis + 50000);
  clock.Advance(std::chrono::seconds(20));  // and forwards past the old time
  ASSERT_OK_AND_ASSIGN(const int64_t after, generator.Next());
  EXPECT_GT(after, during);
  EXPECT_EQ(DecodeSnowflake(after).unix_millis, kSnowflakeEpochMillis + 60000);
}

TEST(SnowflakeTest, ClockBeforeEpochStillYieldsPositiveIncreasingIds) {
  ManualClock clock(AtUnixMillis(0));  // 1970
  SnowflakeGenerator generator(clock, NodeId("n"));
  ASSERT_OK_AND_ASSIGN(const int64_t a, generator.Next());
  ASSERT_OK_AND_ASSIGN(const int64_t b, generator.Next());
  EXPECT_GE(a, 0);
  EXPECT_GT(b, a);
}

TEST(SnowflakeTest, ExhaustedTimestampSpaceIsAnError) {
  ManualClock clock(AtUnixMillis(kSnowflakeEpochMillis + (int64_t{1} << 41)));
  SnowflakeGenerator generator(clock, NodeId("n"));
  EXPECT_EQ(generator.Next().status().code(), StatusCode::kInternal);
}

TEST(SnowflakeTest, UniqueAndPerThreadIncreasingAcrossThreads) {
  SystemClock clock;
  SnowflakeGenerator generator(clock, NodeId("node1"));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50000;
  std::vector<std::vector<int64_t>> ids(kThreads);
  {
    std::vector<std::jthread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&generator, &out = ids[t]] {
        out.reserve(kPerThread);
        for (int i = 0; i < kPerThread; ++i) {
          out.push_back(generator.Next().value());
        }
      });
    }
  }
  std::unordered_set<int64_t> seen;
  for (const auto& per_thread : ids) {
    EXPECT_TRUE(std::is_sorted(per_thread.begin(), per_thread.end()));
    EXPECT_EQ(std::adjacent_find(per_thread.begin(), per_thread.end()), per_thread.end());
    seen.insert(per_thread.begin(), per_thread.end());
  }
  EXPECT_EQ(seen.size(), size_t{kThreads} * kPerThread);
}

}  // namespace
}  // namespace kalam

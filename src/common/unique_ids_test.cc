#include "common/unique_ids.h"

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kalam {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kSomeMillis = 1763805600123;  // 2025-11-22T10:00:00.123Z

std::chrono::system_clock::time_point AtUnixMillis(int64_t millis) {
  return std::chrono::system_clock::time_point(milliseconds(millis));
}

TEST(UuidV7Test, HasVersion7VariantAndTimestamp) {
  ManualClock clock(AtUnixMillis(kSomeMillis));
  UuidV7Generator generator(clock);
  const std::string uuid = generator.Next();
  EXPECT_TRUE(std::regex_match(
      uuid, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << uuid;
  EXPECT_TRUE(IsCanonicalUuid(uuid));
  const std::string hex_time = uuid.substr(0, 8) + uuid.substr(9, 4);
  EXPECT_EQ(std::stoll(hex_time, nullptr, 16), kSomeMillis);
}

TEST(UuidV7Test, IncreasingWithinAMillisecondAndWhenClockGoesBack) {
  ManualClock clock(AtUnixMillis(kSomeMillis));
  UuidV7Generator generator(clock);
  std::string previous = generator.Next();
  for (int i = 0; i < 10000; ++i) {  // > 4096: exercises counter overflow
    if (i == 5000) clock.Advance(-std::chrono::seconds(1));
    const std::string next = generator.Next();
    ASSERT_LT(previous, next) << "at " << i;
    previous = next;
  }
}

TEST(UuidV7Test, UniqueAcrossThreads) {
  SystemClock clock;
  UuidV7Generator generator(clock);
  std::vector<std::vector<std::string>> results(4);
  {
    std::vector<std::jthread> threads;
    threads.reserve(results.size());
    for (auto& out : results) {
      threads.emplace_back([&generator, &out] {
        for (int i = 0; i < 5000; ++i) {
          out.push_back(generator.Next());
        }
      });
    }
  }
  std::set<std::string> all;
  for (const auto& out : results) {
    all.insert(out.begin(), out.end());
  }
  EXPECT_EQ(all.size(), 20000u);
}

TEST(UlidTest, Is26CrockfordCharsWithTimestampPrefix) {
  ManualClock clock(AtUnixMillis(kSomeMillis));
  UlidGenerator generator(clock);
  const std::string ulid = generator.Next();
  ASSERT_EQ(ulid.size(), 26u);
  EXPECT_TRUE(std::regex_match(ulid, std::regex("[0-7][0-9A-HJKMNP-TV-Z]{25}"))) << ulid;
  EXPECT_TRUE(IsUlid(ulid));
  // The first 10 characters encode the 48-bit millisecond timestamp.
  int64_t millis = 0;
  const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (int i = 0; i < 10; ++i) {
    millis = millis * 32 + static_cast<int64_t>(alphabet.find(ulid[i]));
  }
  EXPECT_EQ(millis, kSomeMillis);
}

TEST(UlidTest, MonotonicWithinAMillisecond) {
  ManualClock clock(AtUnixMillis(kSomeMillis));
  UlidGenerator generator(clock);
  std::string previous = generator.Next();
  for (int i = 0; i < 1000; ++i) {
    const std::string next = generator.Next();
    ASSERT_LT(previous, next);
    ASSERT_EQ(previous.substr(0, 10), next.substr(0, 10));
    previous = next;
  }
}

TEST(UniqueIdsTest, ValidatorsRejectMalformedText) {
  EXPECT_TRUE(IsCanonicalUuid("0193A5E2-7C4F-7ABC-8DEF-0123456789AB"));
  EXPECT_FALSE(IsCanonicalUuid("0193a5e27c4f7abc8def0123456789ab"));
  EXPECT_FALSE(IsCanonicalUuid("0193a5e2-7c4f-7abc-8def-0123456789ag"));
  EXPECT_FALSE(IsCanonicalUuid(""));
  EXPECT_TRUE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  EXPECT_FALSE(IsUlid("81ARZ3NDEKTSV4RRFFQ69G5FAV"));  // overflows 128 bits
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAU"));  // U is not Crockford
  EXPECT_FALSE(IsUlid("01ARZ3NDEK"));
}

}  // namespace
}  // namespace kalam

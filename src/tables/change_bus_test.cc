#include "tables/change_bus.h"

#include <atomic>
#include <chrono>
#include <future>

#include <gtest/gtest.h>

namespace kalam::tables {
namespace {

std::vector<ChangeRecord> Statement(int64_t first_seq, int rows) {
  std::vector<ChangeRecord> changes;
  for (int i = 0; i < rows; ++i)
    changes.push_back({.table_id = TableId(1), .schema_version = 3, .seq = first_seq + i});
  return changes;
}

TEST(ChangeBusTest, DeliversStatementsWholeAndInPublishOrder) {
  ChangeBus bus;
  std::vector<std::vector<int64_t>> seen;  // only the delivery thread writes, until Flush
  const uint64_t token = bus.Subscribe([&](std::span<const ChangeRecord> changes) {
    std::vector<int64_t> seqs;
    for (const ChangeRecord& change : changes) {
      EXPECT_EQ(change.schema_version, 3u);
      seqs.push_back(change.seq);
    }
    seen.push_back(seqs);
  });
  for (int64_t statement = 0; statement < 100; ++statement)
    bus.Publish(Statement(statement * 10, 3));
  bus.Flush();
  ASSERT_EQ(seen.size(), 100u);
  for (size_t i = 0; i < seen.size(); ++i) {
    const int64_t first = static_cast<int64_t>(i) * 10;
    EXPECT_EQ(seen[i], (std::vector<int64_t>{first, first + 1, first + 2}));
  }
  bus.Unsubscribe(token);
}

// Writers publish at the commit point: a listener that is slow (or stuck) must never make
// Publish wait for it.
TEST(ChangeBusTest, PublishNeverWaitsForAListener) {
  ChangeBus bus;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> delivered{0};
  const uint64_t token = bus.Subscribe([&](std::span<const ChangeRecord>) {
    released.wait();
    ++delivered;
  });
  const auto start = std::chrono::steady_clock::now();
  for (int64_t statement = 0; statement < 1000; ++statement)
    bus.Publish(Statement(statement, 1));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_LE(delivered.load(), 0);  // the listener is still held on the first statement
  release.set_value();
  bus.Flush();
  EXPECT_EQ(delivered.load(), 1000);
  bus.Unsubscribe(token);
}

TEST(ChangeBusTest, AfterUnsubscribeAListenerIsNeverCalledAgain) {
  ChangeBus bus;
  std::atomic<int> calls{0};
  const uint64_t token = bus.Subscribe([&](std::span<const ChangeRecord>) { ++calls; });
  bus.Publish(Statement(1, 1));
  bus.Flush();
  bus.Unsubscribe(token);
  bus.Unsubscribe(token);  // idempotent
  bus.Publish(Statement(2, 1));
  bus.Publish({});  // an empty statement is not queued
  bus.Flush();
  EXPECT_EQ(calls.load(), 1);
}

TEST(ChangeBusTest, DestructionDeliversWhatWasQueued) {
  std::atomic<int> calls{0};
  {
    ChangeBus bus;
    bus.Subscribe([&](std::span<const ChangeRecord>) { ++calls; });
    for (int64_t statement = 0; statement < 50; ++statement)
      bus.Publish(Statement(statement, 2));
  }
  EXPECT_EQ(calls.load(), 50);
}

}  // namespace
}  // namespace kalam::tables

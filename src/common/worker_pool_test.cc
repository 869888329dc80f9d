#include "common/worker_pool.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace kalam {
namespace {

TEST(WorkerPoolTest, AllBusyOnlyWhileEveryThreadRunsALongTask) {
  WorkerPool pool(2, 10);
  EXPECT_FALSE(pool.AllBusyFor(std::chrono::milliseconds(0)));
  std::atomic<int> started{0};
  std::atomic<bool> release{false};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.Submit([&] {
      ++started;
      while (!release)
        std::this_thread::yield();
    }));
  }
  while (started < 2)
    std::this_thread::yield();
  EXPECT_TRUE(pool.AllBusyFor(std::chrono::milliseconds(0)));
  EXPECT_FALSE(pool.AllBusyFor(std::chrono::hours(1)));
  release = true;
  pool.Stop();
  EXPECT_FALSE(pool.AllBusyFor(std::chrono::milliseconds(0)));
}

TEST(WorkerPoolTest, AFullQueueRefusesInsteadOfGrowing) {
  WorkerPool pool(1, 2);
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  const auto task = [&] {
    while (!release)
      std::this_thread::yield();
    ++ran;
  };
  ASSERT_TRUE(pool.Submit(task));  // running (or about to)
  while (!pool.AllBusyFor(std::chrono::milliseconds(0)))
    std::this_thread::yield();
  EXPECT_TRUE(pool.Submit(task));
  EXPECT_TRUE(pool.Submit(task));
  EXPECT_FALSE(pool.Submit(task));  // two queued: the bound
  release = true;
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(pool.Submit(task));  // stopped
}

}  // namespace
}  // namespace kalam

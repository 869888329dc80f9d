#include "live/connection.h"

#include <gtest/gtest.h>

namespace kalam::live {
namespace {

TEST(ConnectionTest, PushStopsAtEitherBoundAndPopFreesRoom) {
  int wakes = 0;
  Connection connection("1", Peer{}, 3, 100, [&] { ++wakes; });
  EXPECT_TRUE(connection.Push("a"));
  EXPECT_TRUE(connection.Push(std::string(60, 'b')));
  EXPECT_FALSE(connection.Push(std::string(60, 'c')));  // 121 bytes > 100
  EXPECT_TRUE(connection.Push("d"));
  EXPECT_FALSE(connection.Push("e"));  // 4 messages > 3
  EXPECT_EQ(wakes, 3);
  std::deque<std::string> out;
  EXPECT_EQ(connection.Pop(out, 10, 1 << 20), 3u);
  EXPECT_EQ(out.front(), "a");
  EXPECT_TRUE(connection.Push("f"));
}

TEST(ConnectionTest, PopTakesAtMostTheGivenMessagesAndBytesButAlwaysOne) {
  int wakes = 0;
  Connection connection("1", Peer{}, 100, 1 << 20, [&] { ++wakes; });
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(connection.Push(std::string(100, static_cast<char>('a' + i))));
  std::deque<std::string> out;
  EXPECT_EQ(connection.Pop(out, 3, 1 << 20), 3u);  // by count
  EXPECT_EQ(connection.Pop(out, 10, 250), 2u);     // by bytes: 200 fit, a third would not
  EXPECT_EQ(connection.Pop(out, 10, 10), 1u);      // one even when it alone is too big
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[5][0], 'f');  // in order
  EXPECT_EQ(connection.Pop(out, 10, 1 << 20), 4u);
  EXPECT_EQ(connection.Pop(out, 10, 1 << 20), 0u);
}

TEST(ConnectionTest, ACloseIsDueOnceEverythingBeforeItIsTaken) {
  int wakes = 0;
  Connection connection("1", Peer{}, 10, 1000, [&] { ++wakes; });
  ASSERT_TRUE(connection.Push("last words"));
  connection.RequestClose({1008, "slow consumer"});
  EXPECT_FALSE(connection.Push("more"));
  EXPECT_FALSE(connection.CloseDue().has_value());
  std::deque<std::string> out;
  EXPECT_EQ(connection.Pop(out, 10, 1000), 1u);
  ASSERT_TRUE(connection.CloseDue().has_value());
  EXPECT_EQ(connection.CloseDue()->code, 1008);
}

}  // namespace
}  // namespace kalam::live

#include "common/nearest_name.h"

#include <vector>

#include <gtest/gtest.h>

namespace kalam {
namespace {

TEST(NearestNameTest, SuggestsTheClosestNameWithinAFewEdits) {
  const std::vector<std::string> names = {"messages", "users", "message_log"};
  EXPECT_EQ(NearestName("mesages", names), "messages");
  EXPECT_EQ(NearestName("MESSAGES", names), "messages");
  EXPECT_EQ(NearestName("user", names), "users");
  EXPECT_EQ(NearestName("messagelog", names), "message_log");
}

TEST(NearestNameTest, SuggestsNothingWhenNoNameIsClose) {
  const std::vector<std::string> names = {"messages", "users"};
  EXPECT_EQ(NearestName("orders", names), std::nullopt);
  EXPECT_EQ(NearestName("x", names), std::nullopt);
  EXPECT_EQ(NearestName("messages", std::vector<std::string>{}), std::nullopt);
}

TEST(NearestNameTest, ShortNamesAllowOneEdit) {
  const std::vector<std::string> names = {"ab", "abcd"};
  EXPECT_EQ(NearestName("ac", names), "ab");
  EXPECT_EQ(NearestName("zz", names), std::nullopt);
}

}  // namespace
}  // namespace kalam

#include "common/base64.h"

#include <vector>

#include <gtest/gtest.h>

namespace kalam {
namespace {

TEST(Base64Test, StandardRoundTripsWithPadding) {
  EXPECT_EQ(Base64Encode("hi!?"), "aGkhPw==");
  EXPECT_EQ(Base64Encode("root:"), "cm9vdDo=");
  for (const std::string& text :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(text)), text);
  }
}

TEST(Base64Test, UrlAlphabetHasNoPadding) {
  EXPECT_EQ(Base64Encode("\xfb\xff", Base64Alphabet::kUrlUnpadded), "-_8");
  EXPECT_EQ(Base64Decode("-_8", Base64Alphabet::kUrlUnpadded), "\xfb\xff");
}

TEST(Base64Test, RejectsInvalidText) {
  EXPECT_FALSE(Base64Decode("abc").has_value());       // length not a multiple of 4
  EXPECT_FALSE(Base64Decode("ab!=").has_value());      // bad character
  EXPECT_FALSE(Base64Decode("aGk=x===").has_value());  // padding in the middle
  EXPECT_FALSE(Base64Decode("aGl=").has_value());      // non-zero leftover bits
  EXPECT_FALSE(Base64Decode("+/8", Base64Alphabet::kUrlUnpadded).has_value());
  EXPECT_FALSE(Base64Decode("a", Base64Alphabet::kUrlUnpadded).has_value());
}

}  // namespace
}  // namespace kalam

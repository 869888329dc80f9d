#include "storage/key_codec.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kalam::storage {
namespace {

std::string Encode(const std::string& s, int64_t n) {
  std::string key;
  AppendKeyPart(&key, s);
  AppendKeyPart(&key, n);
  return key;
}

TEST(KeyCodecTest, RoundTripsTuplesIncludingZeroBytes) {
  const std::string with_zeros("a\0b\0\0", 5);
  std::string key;
  AppendKeyPart(&key, with_zeros);
  AppendKeyPart(&key, uint64_t{42});
  AppendKeyPart(&key, int64_t{-7});
  AppendKeyPart(&key, UserId("u1"));

  KeyReader reader(key);
  std::string s;
  uint64_t u = 0;
  int64_t i = 0;
  UserId user;
  ASSERT_TRUE(reader.Read(&s));
  ASSERT_TRUE(reader.Read(&u));
  ASSERT_TRUE(reader.Read(&i));
  ASSERT_TRUE(reader.Read(&user));
  EXPECT_TRUE(reader.AtEnd());
  EXPECT_EQ(s, with_zeros);
  EXPECT_EQ(u, 42u);
  EXPECT_EQ(i, -7);
  EXPECT_EQ(user, UserId("u1"));
}

TEST(KeyCodecTest, ByteOrderEqualsTupleOrder) {
  std::mt19937_64 random(12345);  // fixed seed: reproducible
  const std::string alphabet("\0\1a\xff", 4);
  std::vector<std::pair<std::string, int64_t>> tuples;
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const size_t length = random() % 4;
    for (size_t j = 0; j < length; ++j) {
      s.push_back(alphabet[random() % alphabet.size()]);
    }
    const int64_t n = static_cast<int64_t>(random() % 7) - 3 +
                      (random() % 2 == 0 ? 0 : std::numeric_limits<int64_t>::min() / 2);
    tuples.emplace_back(s, n);
  }
  for (size_t i = 0; i + 1 < tuples.size(); ++i) {
    const auto& a = tuples[i];
    const auto& b = tuples[i + 1];
    EXPECT_EQ(a < b, Encode(a.first, a.second) < Encode(b.first, b.second))
        << "tuples " << i << " and " << i + 1;
  }
}

TEST(KeyCodecTest, SignedIntegersSortNumerically) {
  std::string a, b, c;
  AppendKeyPart(&a, std::numeric_limits<int64_t>::min());
  AppendKeyPart(&b, int64_t{-1});
  AppendKeyPart(&c, int64_t{0});
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST(KeyCodecTest, ReaderRejectsTruncatedAndMalformedInput) {
  uint64_t u = 0;
  std::string s;
  EXPECT_FALSE(KeyReader(std::string("\0\0\0", 3)).Read(&u));
  EXPECT_FALSE(KeyReader("abc").Read(&s));                      // no terminator
  EXPECT_FALSE(KeyReader(std::string("a\0\x05", 3)).Read(&s));  // bad escape
}

TEST(KeyCodecTest, PrefixSuccessorIsTheTightUpperBound) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

}  // namespace
}  // namespace kalam::storage

#include "common/ip_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam {
namespace {

IpAddress Ip(std::string_view text) {
  const std::optional<IpAddress> address = IpAddress::Parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

TEST(IpAddressTest, ParsesLiteralsOnly) {
  EXPECT_EQ(Ip("203.0.113.9").ToString(), "203.0.113.9");
  EXPECT_EQ(Ip("::ffff:127.0.0.1"), Ip("127.0.0.1"));
  EXPECT_EQ(Ip("2001:DB8::1").ToString(), "2001:db8::1");
  for (const char* bad : {"", "localhost", " 127.0.0.1", "127.0.0.1:80", "[::1]", "1127.0.0.1",
                          "127.0.0", "fe80::1%eth0", "unknown", "::1,", "01.02.03.04x"}) {
    EXPECT_FALSE(IpAddress::Parse(bad).has_value()) << bad;
  }
}

TEST(IpAddressTest, LoopbackIs127Slash8AndColonColon1) {
  EXPECT_TRUE(Ip("127.0.0.1").IsLoopback());
  EXPECT_TRUE(Ip("127.1.2.3").IsLoopback());
  EXPECT_TRUE(Ip("::1").IsLoopback());
  EXPECT_TRUE(Ip("::ffff:127.0.0.1").IsLoopback());
  EXPECT_FALSE(Ip("10.0.0.5").IsLoopback());
  EXPECT_FALSE(Ip("::ffff:10.0.0.5").IsLoopback());
  EXPECT_FALSE(Ip("::").IsLoopback());
  EXPECT_FALSE(Ip("::2").IsLoopback());
}

TEST(IpNetworkTest, CidrBlocksOfBothFamilies) {
  ASSERT_OK_AND_ASSIGN(const IpNetwork ten, IpNetwork::Parse("10.0.0.0/8"));
  EXPECT_TRUE(ten.Contains(Ip("10.200.3.4")));
  EXPECT_TRUE(ten.Contains(Ip("::ffff:10.0.0.1")));
  EXPECT_FALSE(ten.Contains(Ip("11.0.0.1")));
  EXPECT_FALSE(ten.Contains(Ip("::a00:1")));  // IPv4-compatible, not mapped: another address
  ASSERT_OK_AND_ASSIGN(const IpNetwork single, IpNetwork::Parse("192.168.1.7"));
  EXPECT_TRUE(single.Contains(Ip("192.168.1.7")));
  EXPECT_FALSE(single.Contains(Ip("192.168.1.8")));
  ASSERT_OK_AND_ASSIGN(const IpNetwork v6, IpNetwork::Parse("2001:db8::/32"));
  EXPECT_TRUE(v6.Contains(Ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.Contains(Ip("2001:db9::1")));
  ASSERT_OK_AND_ASSIGN(const IpNetwork everything, IpNetwork::Parse("0.0.0.0/0"));
  EXPECT_TRUE(everything.Contains(Ip("8.8.8.8")));
  EXPECT_FALSE(everything.Contains(Ip("::1")));  // /0 of IPv4 is all of IPv4 only
}

TEST(IpNetworkTest, BadEntriesAreNamed) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
                          "localhost", "10.0.0.0/8/8", "*", ""}) {
    const Result<IpNetwork> parsed = IpNetwork::Parse(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_THAT(std::string(parsed.status().message()),
                ::testing::HasSubstr("'" + std::string(bad) + "' is not an IP address"));
  }
}

TEST(IpNetworkTest, CommaSeparatedLists) {
  EXPECT_TRUE(ParseIpNetworks("").value().empty());
  EXPECT_TRUE(ParseIpNetworks("  ").value().empty());
  ASSERT_OK_AND_ASSIGN(const std::vector<IpNetwork> two, ParseIpNetworks(" 10.0.0.0/8 , ::1"));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_TRUE(two[1].Contains(Ip("::1")));
  EXPECT_FALSE(ParseIpNetworks("10.0.0.1,,10.0.0.2").ok());  // an empty entry is a mistake
  EXPECT_EQ(SplitCommaList("a, b ,"), (std::vector<std::string_view>{"a", "b", ""}));
}

}  // namespace
}  // namespace kalam

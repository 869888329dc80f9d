#include "server/flags.h"

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::server {
namespace {

TEST(FlagsTest, ParsesSpaceAndEqualsForms) {
  ASSERT_OK_AND_ASSIGN(const Flags flags,
                       ParseFlags({"--config", "a.toml", "--data-dir=/d", "--port", "0"}));
  EXPECT_EQ(flags.config_path, "a.toml");
  ASSERT_EQ(flags.overrides.size(), 2u);
  EXPECT_EQ(flags.overrides[0].key, "server.data_dir");
  EXPECT_EQ(flags.overrides[0].value, "/d");
  EXPECT_EQ(flags.overrides[1].key, "server.port");
  EXPECT_EQ(flags.overrides[1].value, "0");
  EXPECT_FALSE(flags.help);
}

TEST(FlagsTest, HelpAndVersion) {
  ASSERT_OK_AND_ASSIGN(const Flags help, ParseFlags({"--help"}));
  EXPECT_TRUE(help.help);
  ASSERT_OK_AND_ASSIGN(const Flags version, ParseFlags({"--version"}));
  EXPECT_TRUE(version.version);
  for (const char* flag : {"--config", "--data-dir", "--port", "--help"}) {
    EXPECT_NE(Usage().find(flag), std::string::npos) << flag;
  }
}

TEST(FlagsTest, UnknownFlagAndMissingValueAreErrors) {
  EXPECT_EQ(ParseFlags({"--prot", "1"}).status(), Status::InvalidArgument("unknown flag '--prot'"));
  EXPECT_EQ(ParseFlags({"--port"}).status(), Status::InvalidArgument("flag --port needs a value"));
}

}  // namespace
}  // namespace kalam::server

#include "common/log.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::log {
namespace {

TEST(LogTest, LinesCarryNodeIdComponentAndRespectLevel) {
  testing::TempDir dir;
  const std::string file = (dir.path() / "app.log").string();
  ASSERT_OK(Init({.level = spdlog::level::info,
                  .to_console = false,
                  .file = file,
                  .node_id = NodeId("node-7")}));
  KALAM_LOG_INFO("storage", "opened partitions={}", 5);
  KALAM_LOG_DEBUG("storage", "should not appear");
  Get("storage").flush();

  const std::string content = testing::ReadFileOrEmpty(file);
  EXPECT_NE(content.find("info node=node-7 storage: opened partitions=5"), std::string::npos)
      << content;
  EXPECT_EQ(content.find("should not appear"), std::string::npos);
  ASSERT_OK(Init({.to_console = false}));  // detach from the file before the dir goes away
}

TEST(LogTest, UnwritableFileIsAnIoError) {
  testing::TempDir dir;
  const std::filesystem::path blocker = dir.path() / "not-a-dir";
  std::ofstream(blocker) << "x";  // a regular file where the log's directory should be
  const Status status = Init({.to_console = false, .file = (blocker / "app.log").string()});
  EXPECT_EQ(status.code(), StatusCode::kIOError);
}

TEST(LogTest, ParseLevelAcceptsKnownNamesOnly) {
  EXPECT_EQ(ParseLevel("debug"), spdlog::level::debug);
  EXPECT_EQ(ParseLevel("error"), spdlog::level::err);
  EXPECT_EQ(ParseLevel("verbose"), std::nullopt);
}

}  // namespace
}  // namespace kalam::log

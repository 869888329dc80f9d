#include "server/data_dir_lock.h"

#include <unistd.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::server {
namespace {

TEST(DataDirLockTest, SecondAcquireIsRefusedUntilReleased) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto lock, DataDirLock::Acquire(dir.str()));
  const Status second = DataDirLock::Acquire(dir.str()).status();
  EXPECT_EQ(second.code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.message(), "data directory " + dir.str() +
                                  " is in use by another kalamdb-server (pid " +
                                  std::to_string(getpid()) + ")");
  lock.reset();
  EXPECT_OK(DataDirLock::Acquire(dir.str()));
}

TEST(DataDirLockTest, CreatesMissingDirectory) {
  testing::TempDir dir;
  const std::string nested = (dir.path() / "a" / "b").string();
  ASSERT_OK(DataDirLock::Acquire(nested));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "a" / "b" / "kalamdb.lock"));
}

TEST(DataDirLockTest, UncreatableDirectoryIsAnIoError) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  const Status status = DataDirLock::Acquire((dir.path() / "file" / "data").string()).status();
  EXPECT_EQ(status.code(), StatusCode::kIOError);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("cannot create data directory"));
}

}  // namespace
}  // namespace kalam::server

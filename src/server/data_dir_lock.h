#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace kalam::server {

// An exclusive advisory lock (flock) on <data_dir>/kalamdb.lock, held for the life of the
// object, so two servers never open one data directory. The kernel drops the lock when
// the process dies, so a crash never leaves a stale lock behind. The file records the
// holder's pid for the error message.
class DataDirLock {
 public:
  // Creates `data_dir` if needed and takes the lock. kUnavailable if another process
  // holds it (naming its pid); kIOError if the directory cannot be created or written.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);

  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace kalam::server

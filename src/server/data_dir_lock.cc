#include "server/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace kalam::server {
namespace {

// strerror() is not thread-safe; std::error_code::message() is.
std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string ReadHolder(int fd) {
  char buffer[32] = {};
  const ssize_t n = pread(fd, buffer, sizeof(buffer) - 1, 0);
  std::string pid = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
    pid.pop_back();
  }
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& data_dir) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return Status::IOError("cannot create data directory " + data_dir + ": " + error.message());
  }
  const std::string path = (std::filesystem::path(data_dir) / "kalamdb.lock").string();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("cannot use data directory " + data_dir + ": " + ErrnoText(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int lock_errno = errno;
    const std::string holder = ReadHolder(fd);
    close(fd);
    if (lock_errno == EWOULDBLOCK) {
      return Status::Unavailable("data directory " + data_dir +
                                 " is in use by another kalamdb-server (pid " + holder + ")");
    }
    return Status::IOError("cannot lock " + path + ": " + ErrnoText(lock_errno));
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    const int write_errno = errno;
    close(fd);
    return Status::IOError("cannot write " + path + ": " + ErrnoText(write_errno));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() {
  close(fd_);  // releases the flock; the file stays (deleting it would race a new holder)
}

}  // namespace kalam::server

#include "auth/jwt_secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/random.h"

namespace kalam::auth {

Result<std::string> LoadOrCreateJwtSecret(const std::string& configured,
                                          const std::filesystem::path& data_dir) {
  if (!configured.empty()) return configured;
  const std::filesystem::path path = data_dir / "jwt_secret";
  struct stat info {};
  if (stat(path.c_str(), &info) == 0) {
    if ((info.st_mode & 077) != 0) {
      return Status::PermissionDenied(
          path.string() + " is readable by other users; run: chmod 600 " + path.string());
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
      secret.pop_back();
    if (secret.size() < 32) return Status::Corruption(path.string() + " holds a too-short secret");
    return secret;
  }
  std::string secret;
  for (int i = 0; i < 4; ++i)
    secret += fmt::format("{:016x}", RandomU64());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  const std::string line = secret + "\n";
  const bool written =
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fsync(fd) == 0;
  close(fd);
  if (!written) return Status::IOError("cannot write " + path.string());
  return secret;
}

}  // namespace kalam::auth

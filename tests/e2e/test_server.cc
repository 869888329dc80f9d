#include "tests/e2e/test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include "common/base64.h"

extern char** environ;  // NOLINT: POSIX

namespace kalam::e2e {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(10);

// Polls `done` until it returns true or `deadline` passes.
template <typename Predicate>
bool WaitUntil(Clock::time_point deadline, Predicate done) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

// Starts the server binary with stdout+stderr appended to `log_path`.
Result<pid_t> Spawn(const std::vector<std::string>& args, const EnvVars& env,
                    const std::filesystem::path& log_path) {
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "KALAMDB_", 8) != 0) env_strings.emplace_back(*entry);
  }
  for (const auto& [name, value] : env)
    env_strings.push_back(name + "=" + value);
  // KALAM_TEST_SERVER_BINARY runs the tests against another build (e.g. an older one, to
  // see a regression test fail).
  const char* binary = std::getenv("KALAM_TEST_SERVER_BINARY");  // NOLINT(concurrency-mt-unsafe)
  std::vector<std::string> argv_strings = {binary != nullptr ? binary : KALAM_SERVER_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());

  std::vector<char*> argv;
  for (std::string& arg : argv_strings)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& var : env_strings)
    envp.push_back(var.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// Waits for `pid` to exit; its exit code, or 128+signal.
std::optional<int> WaitExit(pid_t pid, Clock::time_point deadline) {
  int status = 0;
  const bool exited = WaitUntil(deadline, [&] { return waitpid(pid, &status, WNOHANG) == pid; });
  if (!exited) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<uint16_t> ListeningPort(const std::string& log) {
  static const std::regex kListening("listening on http://[^:]+:([0-9]+)");
  std::smatch match;
  if (!std::regex_search(log, match, kListening)) return std::nullopt;
  return static_cast<uint16_t>(std::stoi(match[1].str()));
}

}  // namespace

Result<std::unique_ptr<TestServer>> TestServer::Start(TestServerOptions options) {
  std::unique_ptr<TestServer> server(new TestServer());
  server->data_dir_ = options.data_dir.value_or(server->temp_.path() / "data");
  server->log_path_ = server->temp_.path() / "server.log";
  std::vector<std::string> args = {"--data-dir", server->data_dir_.string(), "--port",
                                   options.port};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  KALAM_ASSIGN_OR_RETURN(server->pid_, Spawn(args, options.env, server->log_path_));

  const auto deadline = Clock::now() + options.start_deadline;
  std::optional<uint16_t> port;
  std::optional<int> exit_code;
  WaitUntil(deadline, [&] {
    int status = 0;
    if (waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      server->pid_ = -1;
      return true;
    }
    port = ListeningPort(server->Log());
    return port.has_value();
  });
  if (exit_code.has_value()) {
    return Status::Unavailable("server exited with code " + std::to_string(*exit_code) +
                               " during start; log:\n" + server->Log());
  }
  if (!port.has_value()) {
    return Status::Unavailable("server did not report its port in time; log:\n" + server->Log());
  }
  server->port_ = *port;
  client::HttpClient client = server->Client();
  const bool healthy = WaitUntil(deadline, [&] {
    const Result<client::HttpResult> response = client.Get("/v1/api/healthcheck");
    return response.ok() && response->status == 200;
  });
  if (!healthy) {
    return Status::Unavailable("server healthcheck did not answer in time; log:\n" + server->Log());
  }
  return server;
}

TestServer::~TestServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

EnvVars WithCheapPasswordHashes(EnvVars more) {
  more.emplace_back("KALAMDB_AUTH_ARGON2_MEMORY_KIB", "1024");
  more.emplace_back("KALAMDB_AUTH_ARGON2_ITERATIONS", "1");
  return more;
}

std::string BasicAuthorization(const std::string& user, const std::string& password) {
  return "Basic " + Base64Encode(user + ":" + password);
}

std::string TestServer::Log() const {
  return testing::ReadFileOrEmpty(log_path_);
}

Result<int> TestServer::SignalAndWait(int signal_number, std::chrono::seconds deadline) {
  if (pid_ <= 0) return Status::Internal("server is not running");
  kill(pid_, signal_number);
  const std::optional<int> code = WaitExit(pid_, Clock::now() + deadline);
  if (!code.has_value()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return Status::Unavailable("server did not exit in time after signal " +
                               std::to_string(signal_number));
  }
  pid_ = -1;
  return *code;
}

Result<ProcessOutcome> RunServerToExit(const std::vector<std::string>& args, const EnvVars& env,
                                       std::chrono::seconds deadline) {
  testing::TempDir temp;
  const std::filesystem::path log_path = temp.path() / "output.log";
  KALAM_ASSIGN_OR_RETURN(const pid_t pid, Spawn(args, env, log_path));
  const std::optional<int> code = WaitExit(pid, Clock::now() + deadline);
  if (!code.has_value()) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return Status::Unavailable("server did not exit in time; output:\n" +
                               testing::ReadFileOrEmpty(log_path));
  }
  return ProcessOutcome{*code, testing::ReadFileOrEmpty(log_path)};
}

Result<std::string> RawExchange(uint16_t port, const std::string& bytes,
                                std::chrono::seconds deadline) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal("socket failed");
  timeval timeout{.tv_sec = deadline.count(), .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return Status::Unavailable(std::string("connect failed: ") + std::strerror(errno));
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. after a 413); read what it sent
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string received;
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return received;
}

Result<RawConnection> RawConnection::Open(uint16_t port, const std::string& source_address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal("socket failed");
  RawConnection connection(fd);
  if (!source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (inet_pton(AF_INET, source_address.c_str(), &source.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) {
      return Status::Internal("cannot bind to " + source_address);
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Status::Unavailable(std::string("connect failed: ") + std::strerror(errno));
  }
  return connection;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string RawConnection::Read(size_t bytes, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::string received;
  char buffer[4096];
  while (received.size() < bytes && std::chrono::steady_clock::now() < until) {
    pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&poll_fd, 1, 100) <= 0) continue;
    const ssize_t n = recv(fd_, buffer, std::min(sizeof(buffer), bytes - received.size()), 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<size_t>(n));
  }
  return received;
}

Result<std::string> RawConnection::ReadUntilClosed(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::string received;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::Unavailable("still open after the deadline; received: " + received);
    }
    pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) return received;
    received.append(buffer, static_cast<size_t>(n));
  }
}

namespace {

int64_t StatusFieldKib(pid_t pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field)) return std::stoll(line.substr(field.size()));  // "… kB"
  }
  return -1;
}

}  // namespace

int64_t ResidentKib(pid_t pid) {
  return StatusFieldKib(pid, "VmRSS:");
}

int64_t ResidentMib(pid_t pid) {
  const int64_t kib = ResidentKib(pid);
  return kib < 0 ? -1 : kib / 1024;
}

int64_t PeakResidentMib(pid_t pid) {
  const int64_t kib = StatusFieldKib(pid, "VmHWM:");
  return kib < 0 ? -1 : kib / 1024;
}

void ResetPeakResident(pid_t pid) {
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";
}

}  // namespace kalam::e2e

#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/http_client.h"
#include "client/sql_client.h"
#include "common/result.h"
#include "tests/testing/test_util.h"

namespace kalam::e2e {

// The typed SQL client every e2e test speaks through (src/client/sql_client.h).
using client::PostSql;
using client::SqlReply;
using client::Text;

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// `more` plus the settings that make password hashing cheap (Argon2 with 1 MiB and one pass),
// for servers whose tests create users or log in many times.
EnvVars WithCheapPasswordHashes(EnvVars more = {});

// The Authorization header value of HTTP Basic for `user` and `password`.
std::string BasicAuthorization(const std::string& user, const std::string& password);

struct TestServerOptions {
  std::vector<std::string> extra_args;  // appended after --data-dir and --port
  EnvVars env;                          // added to the parent's environment minus KALAMDB_*
  std::optional<std::filesystem::path> data_dir;  // default: a fresh temp dir
  std::string port = "0";                         // "0": any free port
  std::chrono::seconds start_deadline{30};
};

// The real kalamdb-server binary, started as a child process on a free port with its own
// temp data dir; stdout and stderr go to a log file that tests print on failure. The
// destructor kills a server still running and removes its files.
class TestServer {
 public:
  // Starts the server and waits (with a deadline) until its healthcheck answers 200.
  static Result<std::unique_ptr<TestServer>> Start(TestServerOptions options = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::string Log() const;
  // A client authenticated as root (no password: allowed from loopback).
  client::HttpClient Client(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    client::HttpClient client = AnonymousClient(timeout);
    client.SetDefaultHeaders({{"Authorization", "Basic cm9vdDo="}});
    return client;
  }
  // A client that sends no credentials unless a call adds them.
  client::HttpClient AnonymousClient(
      std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    return client::HttpClient("127.0.0.1", port_, timeout);
  }

  // Sends `signal_number` and waits for the exit; returns the exit code, or 128+signal if
  // the process died of a signal. kUnavailable if it does not exit before the deadline
  // (it is then killed).
  Result<int> SignalAndWait(int signal_number,
                            std::chrono::seconds deadline = std::chrono::seconds(30));

 private:
  TestServer() = default;

  testing::TempDir temp_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

struct ProcessOutcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs kalamdb-server with `args` until it exits (for startup-error tests).
Result<ProcessOutcome> RunServerToExit(const std::vector<std::string>& args,
                                       const EnvVars& env = {},
                                       std::chrono::seconds deadline = std::chrono::seconds(30));

// Sends raw bytes on a new TCP connection to 127.0.0.1:port, half-closes, and returns
// everything the server sends back until it closes the connection (or the deadline).
Result<std::string> RawExchange(uint16_t port, const std::string& bytes,
                                std::chrono::seconds deadline = std::chrono::seconds(10));

// A raw TCP connection to the server, for tests of what well-behaved clients never do
// (trickling bytes, never reading). Closed by the destructor.
class RawConnection {
 public:
  // Connects to 127.0.0.1:port from `source_address` (any 127.x.y.z address is loopback on
  // Linux, so a test can appear as a second client machine).
  static Result<RawConnection> Open(uint16_t port, const std::string& source_address = "");
  RawConnection(RawConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  RawConnection& operator=(RawConnection&&) = delete;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  // False once the server has closed the connection.
  bool Send(const std::string& bytes);
  // Reads exactly `bytes` bytes (fewer only if the server closes first or `deadline` passes).
  std::string Read(size_t bytes, std::chrono::milliseconds deadline);
  // Everything the server sends until it closes the connection or `deadline` passes;
  // kUnavailable on the deadline, with what arrived so far in the message.
  Result<std::string> ReadUntilClosed(std::chrono::milliseconds deadline);

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Memory of process `pid` from /proc/<pid>/status: resident now (VmRSS, in MiB or KiB) and
// the peak since start or the last ResetPeakResident (VmHWM); -1 if unreadable.
int64_t ResidentMib(pid_t pid);
int64_t ResidentKib(pid_t pid);
int64_t PeakResidentMib(pid_t pid);
// Resets the peak to the current size (Linux clear_refs "5").
void ResetPeakResident(pid_t pid);

// Memory-growth bounds of tests are scaled by this: AddressSanitizer's shadow memory and
// its 256 MB quarantine of freed blocks make an instrumented server's peak about twice
// the release one (a streaming 250k-row scan: ~45 MiB release, up to ~98 MiB under ASan).
// Every bound stays well below what the defects it guards against used (several times more).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr int64_t kMemoryBoundScale = 3;
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr int64_t kMemoryBoundScale = 1;
inline constexpr bool kSanitizedBuild = false;
#endif

}  // namespace kalam::e2e

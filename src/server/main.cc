// kalamdb-server: loads the configuration, builds the AppContext, serves until SIGINT or
// SIGTERM, then shuts down in order and exits 0. Startup errors exit 1 with one clear
// message on stderr; command-line errors exit 2.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/log.h"
#include "config/server_config.h"
#include "server/app_context.h"
#include "server/flags.h"

namespace kalam::server {
namespace {

int Fail(const Status& status) {
  std::cerr << "kalamdb-server: error: " << status.message() << "\n";
  return 1;
}

// Blocks the shutdown signals in this thread before any other thread exists, so every
// thread inherits the mask and only WaitForShutdownSignal receives them.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
  return signals;
}

int WaitForShutdownSignal(const sigset_t& signals) {
  int received = 0;
  while (sigwait(&signals, &received) != 0) {
  }
  return received;
}

Status InitLogging(const config::ServerConfig& config) {
  log::LogOptions options{
      .level = *log::ParseLevel(config.logging.level),  // validated by LoadConfig
      .to_console = config.logging.log_to_console,
      .node_id = NodeId(config.server.node_id),
  };
  if (!config.logging.file.empty()) options.file = config.logging.file;
  return log::Init(options);
}

int Run(int argc, char** argv) {
  const sigset_t signals = BlockShutdownSignals();
  const Result<Flags> flags = ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::cerr << "kalamdb-server: " << flags.status().message() << "\n\n" << Usage();
    return 2;
  }
  if (flags->help) {
    std::cout << Usage();
    return 0;
  }
  if (flags->version) {
    std::cout << "kalamdb-server " << ServerVersion() << "\n";
    return 0;
  }
  std::optional<std::string> config_path = flags->config_path;
  if (!config_path.has_value() && std::filesystem::exists("server.toml")) {
    config_path = "server.toml";
  }
  Result<config::ServerConfig> config =
      config::LoadConfig(config_path, config::ProcessEnvironment(), flags->overrides);
  if (!config.ok()) return Fail(config.status());
  if (Status logging = InitLogging(*config); !logging.ok()) return Fail(logging);

  Result<std::unique_ptr<AppContext>> context = AppContext::Create(*std::move(config));
  if (!context.ok()) return Fail(context.status());
  AppContext& app = **context;
  if (Status started = app.Start(); !started.ok()) return Fail(started);
  KALAM_LOG_INFO("server", "started version={} data_dir={} port={}", ServerVersion(),
                 app.config().server.data_dir, app.http_port());
  std::cout << "kalamdb-server " << ServerVersion() << " listening on http://"
            << app.config().server.host << ":" << app.http_port() << std::endl;

  const int signal_number = WaitForShutdownSignal(signals);
  KALAM_LOG_INFO("server", "shutting down signal={}",
                 signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  app.Stop();
  KALAM_LOG_INFO("server", "stopped");
  return 0;
}

}  // namespace
}  // namespace kalam::server

int main(int argc, char** argv) {
  try {
    return kalam::server::Run(argc, argv);
  } catch (const std::exception& e) {  // our code does not throw; a library might
    std::cerr << "kalamdb-server: fatal: " << e.what() << "\n";
    return 1;
  }
}

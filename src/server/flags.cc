#include "server/flags.h"

namespace kalam::server {
namespace {

struct ValueFlag {
  std::string_view name;
  std::string_view config_key;  // "" for --config itself
};
constexpr ValueFlag kValueFlags[] = {
    {"--config", ""},
    {"--data-dir", "server.data_dir"},
    {"--port", "server.port"},
};

}  // namespace

std::string Usage() {
  return "usage: kalamdb-server [--config <server.toml>] [--data-dir <dir>] [--port <port>]\n"
         "\n"
         "  --config <path>    configuration file (default: ./server.toml if it exists,\n"
         "                     otherwise built-in defaults)\n"
         "  --data-dir <dir>   data directory; overrides server.data_dir\n"
         "  --port <port>      TCP port, 0 = any free port; overrides server.port\n"
         "  --help             show this help\n"
         "  --version          show the version\n"
         "\n"
         "Settings are read from defaults, then the config file, then KALAMDB_* environment\n"
         "variables (e.g. KALAMDB_SERVER_PORT), then these flags. See server.toml.\n";
}

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (arg == "--version") {
      flags.version = true;
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const ValueFlag* flag = nullptr;
    for (const ValueFlag& candidate : kValueFlags) {
      if (candidate.name == name) flag = &candidate;
    }
    if (flag == nullptr) return Status::InvalidArgument("unknown flag '" + arg + "'");
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument("flag " + name + " needs a value");
    }
    if (flag->config_key.empty()) {
      flags.config_path = value;
    } else {
      flags.overrides.push_back({std::string(flag->config_key), value});
    }
  }
  return flags;
}

}  // namespace kalam::server

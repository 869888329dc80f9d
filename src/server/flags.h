#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/server_config.h"

namespace kalam::server {

// The command line of kalamdb-server.
struct Flags {
  std::optional<std::string> config_path;       // --config
  std::vector<config::FlagOverride> overrides;  // --data-dir, --port
  bool help = false;
  bool version = false;
};

// Parses argv (both "--flag value" and "--flag=value"). kInvalidArgument names the bad flag.
Result<Flags> ParseFlags(const std::vector<std::string>& args);

// The --help text.
std::string Usage();

}  // namespace kalam::server

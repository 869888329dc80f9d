#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/result.h"

// The logging facade over spdlog: one named logger per component, every line stamped with
// the process's NodeId. Lines are lowercase facts with key=value ids:
//   KALAM_LOG_INFO("storage", "opened path={} partitions={}", path, count);
// Formatting is skipped when the level is off; the logger is looked up once per call site
// (`component` must be a constant). Never log secrets or per-row.
#define KALAM_LOG(level, component, ...)                                                    \
  do {                                                                                      \
    /* NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): per call site */ \
    static ::spdlog::logger& kalam_logger_ = ::kalam::log::Get(component);                  \
    if (kalam_logger_.should_log(level)) {                                                  \
      kalam_logger_.log(::spdlog::source_loc{__FILE__, __LINE__, SPDLOG_FUNCTION}, level,   \
                        __VA_ARGS__);                                                       \
    }                                                                                       \
  } while (false)
#define KALAM_LOG_DEBUG(component, ...) KALAM_LOG(::spdlog::level::debug, component, __VA_ARGS__)
#define KALAM_LOG_INFO(component, ...) KALAM_LOG(::spdlog::level::info, component, __VA_ARGS__)
#define KALAM_LOG_WARN(component, ...) KALAM_LOG(::spdlog::level::warn, component, __VA_ARGS__)
#define KALAM_LOG_ERROR(component, ...) KALAM_LOG(::spdlog::level::err, component, __VA_ARGS__)

namespace kalam::log {

struct LogOptions {
  spdlog::level::level_enum level = spdlog::level::info;
  bool to_console = true;           // write to stderr
  std::optional<std::string> file;  // also append to this file
  NodeId node_id{"node1"};          // stamped on every line
};

// Configures every component logger (existing and future). Call once at startup, before
// other threads log. Returns kIOError if the log file cannot be opened.
Status Init(const LogOptions& options);

// The logger of `component`, created on first use. The reference stays valid for the
// life of the process. Thread-safe.
spdlog::logger& Get(std::string_view component);

// Parses "trace", "debug", "info", "warn", "error", "critical" or "off".
std::optional<spdlog::level::level_enum> ParseLevel(std::string_view name);

}  // namespace kalam::log

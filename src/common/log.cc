#include "common/log.h"

#include <map>
#include <memory>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "common/mutex.h"

namespace kalam::log {
namespace {

// The logging facade is the one process-wide registry (as spdlog's own is): loggers are
// looked up by component name from any thread, and are never destroyed.
struct Registry {
  Mutex mu;
  std::vector<spdlog::sink_ptr> sinks KALAM_GUARDED_BY(mu);
  spdlog::level::level_enum level KALAM_GUARDED_BY(mu) = spdlog::level::info;
  std::string pattern KALAM_GUARDED_BY(mu);
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers KALAM_GUARDED_BY(mu);
};

Registry& TheRegistry() {
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): the one registry
  static Registry* registry = [] {
    auto* r = new Registry();  // intentionally leaked: loggers must outlive static destructors
    MutexLock lock(r->mu);
    r->sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    r->pattern = "%Y-%m-%dT%H:%M:%S.%fZ %l node=node1 %n: %v";
    return r;
  }();
  return *registry;
}

void Configure(spdlog::logger& logger, const Registry& registry) KALAM_NO_THREAD_SAFETY_ANALYSIS {
  logger.sinks() = registry.sinks;
  logger.set_level(registry.level);
  logger.set_pattern(registry.pattern, spdlog::pattern_time_type::utc);
  logger.flush_on(spdlog::level::warn);
}

}  // namespace

Status Init(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (options.to_console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (options.file.has_value()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(*options.file));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("cannot open log file " + *options.file + ": " + e.what());
    }
  }
  Registry& registry = TheRegistry();
  MutexLock lock(registry.mu);
  registry.sinks = std::move(sinks);
  registry.level = options.level;
  registry.pattern = "%Y-%m-%dT%H:%M:%S.%fZ %l node=" + options.node_id.value() + " %n: %v";
  for (auto& [name, logger] : registry.loggers) {
    Configure(*logger, registry);
  }
  return Status();
}

spdlog::logger& Get(std::string_view component) {
  Registry& registry = TheRegistry();
  MutexLock lock(registry.mu);
  auto it = registry.loggers.find(component);
  if (it == registry.loggers.end()) {
    auto logger = std::make_shared<spdlog::logger>(std::string(component));
    Configure(*logger, registry);
    it = registry.loggers.emplace(std::string(component), std::move(logger)).first;
  }
  return *it->second;
}

std::optional<spdlog::level::level_enum> ParseLevel(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return std::nullopt;
}

}  // namespace kalam::log

#pragma once

#include <fmt/format.h>

// KALAM_CHECK(cond, fmt, ...) stays on in release builds: where continuing could corrupt
// data, it logs file:line and the formatted message to stderr and aborts. Never use it
// on user input; return a Status instead. KALAM_DCHECK is the debug-only variant.
#define KALAM_CHECK(cond, ...)                                                               \
  do {                                                                                       \
    if (!(cond)) [[unlikely]] {                                                              \
      ::kalam::internal::CheckFailed(__FILE__, __LINE__, #cond, ::fmt::format(__VA_ARGS__)); \
    }                                                                                        \
  } while (false)

#ifdef NDEBUG
#define KALAM_DCHECK(cond, ...) \
  do {                          \
  } while (false)
#else
#define KALAM_DCHECK(cond, ...) KALAM_CHECK(cond, __VA_ARGS__)
#endif

namespace kalam::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const std::string& message);
}  // namespace kalam::internal

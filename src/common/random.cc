#include "common/random.h"

#include <sys/random.h>

#include <cerrno>

#include "common/check.h"

namespace kalam {

void FillRandom(std::span<uint8_t> out) {
  size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t n = getrandom(out.data() + filled, out.size() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    KALAM_CHECK(n > 0, "getrandom failed: errno={}", errno);
    filled += static_cast<size_t>(n);
  }
}

uint64_t RandomU64() {
  uint8_t bytes[8];
  FillRandom(bytes);
  uint64_t value = 0;
  for (const uint8_t b : bytes) {
    value = (value << 8) | b;
  }
  return value;
}

}  // namespace kalam

#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/mutex.h"

namespace kalam {

// Generates RFC 9562 UUID version 7 strings ("0193a5e2-7c4f-7abc-8def-0123456789ab", lower
// case): a 48-bit Unix millisecond timestamp, a 12-bit counter (RFC 9562 §6.2 method 1,
// seeded randomly each millisecond) and 62 random bits. Values from one generator are
// strictly increasing as strings, even when the clock goes backwards. Thread-safe.
class UuidV7Generator {
 public:
  explicit UuidV7Generator(const Clock& clock) : clock_(clock) {}
  ~UuidV7Generator() = default;
  UuidV7Generator(const UuidV7Generator&) = delete;
  UuidV7Generator& operator=(const UuidV7Generator&) = delete;

  std::string Next() KALAM_EXCLUDES(mu_);

 private:
  const Clock& clock_;
  Mutex mu_;
  int64_t last_millis_ KALAM_GUARDED_BY(mu_) = -1;
  uint32_t counter_ KALAM_GUARDED_BY(mu_) = 0;
};

// Generates ULIDs (https://github.com/ulid/spec): 26 Crockford base32 characters encoding a
// 48-bit Unix millisecond timestamp and 80 random bits. Monotonic per the spec: within one
// millisecond the random part is incremented. Thread-safe.
class UlidGenerator {
 public:
  explicit UlidGenerator(const Clock& clock) : clock_(clock) {}
  ~UlidGenerator() = default;
  UlidGenerator(const UlidGenerator&) = delete;
  UlidGenerator& operator=(const UlidGenerator&) = delete;

  std::string Next() KALAM_EXCLUDES(mu_);

 private:
  const Clock& clock_;
  Mutex mu_;
  int64_t last_millis_ KALAM_GUARDED_BY(mu_) = -1;
  std::array<uint8_t, 10> random_ KALAM_GUARDED_BY(mu_){};
};

// True if `text` is a canonical 8-4-4-4-12 hexadecimal UUID (either case).
bool IsCanonicalUuid(std::string_view text);

// True if `text` is 26 Crockford base32 characters whose value fits in 128 bits.
bool IsUlid(std::string_view text);

}  // namespace kalam

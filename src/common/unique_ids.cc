#include "common/unique_ids.h"

#include <algorithm>
#include <cctype>
#include <span>

#include "common/random.h"

namespace kalam {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr uint32_t kMaxCounter = 0xFFF;

std::string FormatUuid(const std::array<uint8_t, 16>& bytes) {
  std::string text;
  text.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHexDigits[bytes[i] >> 4]);
    text.push_back(kHexDigits[bytes[i] & 0xF]);
  }
  return text;
}

// Increments a big-endian number; returns false when it wrapped around to zero.
bool Increment(std::span<uint8_t> number) {
  for (size_t i = number.size(); i-- > 0;) {
    if (++number[i] != 0) return true;
  }
  return false;
}

int CrockfordValue(char c) {
  const char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  const char* end = kCrockford + 32;
  const char* found = std::find(kCrockford, end, upper);
  return found == end ? -1 : static_cast<int>(found - kCrockford);
}

}  // namespace

std::string UuidV7Generator::Next() {
  std::array<uint8_t, 16> bytes{};
  FillRandom(bytes);
  int64_t millis = 0;
  uint32_t counter = 0;
  {
    MutexLock lock(mu_);
    const int64_t now = clock_.NowMillis();
    if (now > last_millis_) {
      last_millis_ = now;
      counter_ = (uint32_t{bytes[6]} << 8 | bytes[7]) & 0x7FF;  // top bit clear: headroom
    } else if (++counter_ > kMaxCounter) {
      ++last_millis_;  // borrow the next millisecond rather than block
      counter_ = (uint32_t{bytes[6]} << 8 | bytes[7]) & 0x7FF;
    }
    millis = last_millis_;
    counter = counter_;
  }
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(millis) >> (8 * (5 - i)));
  }
  bytes[6] = static_cast<uint8_t>(0x70 | (counter >> 8));  // version 7
  bytes[7] = static_cast<uint8_t>(counter & 0xFF);
  bytes[8] = static_cast<uint8_t>(0x80 | (bytes[8] & 0x3F));  // variant 10
  return FormatUuid(bytes);
}

std::string UlidGenerator::Next() {
  std::array<uint8_t, 16> value{};
  {
    MutexLock lock(mu_);
    const int64_t now = clock_.NowMillis();
    if (now > last_millis_) {
      last_millis_ = now;
      FillRandom(random_);
    } else if (!Increment(random_)) {
      ++last_millis_;  // the 80-bit random part overflowed: move to the next millisecond
      FillRandom(random_);
    }
    for (int i = 0; i < 6; ++i) {
      value[i] = static_cast<uint8_t>(static_cast<uint64_t>(last_millis_) >> (8 * (5 - i)));
    }
    std::copy(random_.begin(), random_.end(), value.begin() + 6);
  }
  // 128 bits as 26 base32 digits: the first digit holds the top 3 bits.
  std::string text(26, '0');
  uint64_t high = 0;
  uint64_t low = 0;
  for (int i = 0; i < 8; ++i) {
    high = (high << 8) | value[i];
  }
  for (int i = 8; i < 16; ++i) {
    low = (low << 8) | value[i];
  }
  for (int i = 25; i >= 0; --i) {
    text[i] = kCrockford[low & 0x1F];
    low = (low >> 5) | (high << 59);
    high >>= 5;
  }
  return text;
}

bool IsCanonicalUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool IsUlid(std::string_view text) {
  if (text.size() != 26) return false;
  if (CrockfordValue(text[0]) > 7) return false;  // would exceed 128 bits
  return std::all_of(text.begin(), text.end(), [](char c) { return CrockfordValue(c) >= 0; });
}

}  // namespace kalam

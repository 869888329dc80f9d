#include "storage/key_codec.h"

namespace kalam::storage {
namespace {
constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xFF';
constexpr char kTerminator = '\x01';
constexpr uint64_t kSignBit = uint64_t{1} << 63;
}  // namespace

void AppendKeyPart(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

void AppendKeyPart(std::string* out, int64_t value) {
  AppendKeyPart(out, static_cast<uint64_t>(value) ^ kSignBit);
}

void AppendKeyPart(std::string* out, std::string_view value) {
  for (const char c : value) {
    out->push_back(c);
    if (c == kEscape) out->push_back(kEscapedZero);
  }
  out->push_back(kEscape);
  out->push_back(kTerminator);
}

bool KeyReader::Read(uint64_t* value) {
  if (rest_.size() < 8) return false;
  uint64_t result = 0;
  for (int i = 0; i < 8; ++i) {
    result = (result << 8) | static_cast<uint8_t>(rest_[i]);
  }
  rest_.remove_prefix(8);
  *value = result;
  return true;
}

bool KeyReader::Read(int64_t* value) {
  uint64_t raw = 0;
  if (!Read(&raw)) return false;
  *value = static_cast<int64_t>(raw ^ kSignBit);
  return true;
}

bool KeyReader::Read(std::string* value) {
  std::string result;
  for (size_t i = 0; i + 1 < rest_.size(); ++i) {
    if (rest_[i] != kEscape) {
      result.push_back(rest_[i]);
      continue;
    }
    if (rest_[i + 1] == kTerminator) {
      rest_.remove_prefix(i + 2);
      *value = std::move(result);
      return true;
    }
    if (rest_[i + 1] != kEscapedZero) return false;
    result.push_back(kEscape);
    ++i;
  }
  return false;  // no terminator
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string successor(prefix);
  while (!successor.empty()) {
    if (static_cast<uint8_t>(successor.back()) != 0xFF) {
      successor.back() = static_cast<char>(static_cast<uint8_t>(successor.back()) + 1);
      return successor;
    }
    successor.pop_back();
  }
  return successor;
}

}  // namespace kalam::storage

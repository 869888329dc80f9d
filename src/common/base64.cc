#include "common/base64.h"

#include <array>
#include <cstdint>

namespace kalam {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view AlphabetOf(Base64Alphabet alphabet) {
  return alphabet == Base64Alphabet::kStandard ? kStandard : kUrl;
}

}  // namespace

std::string Base64Encode(std::string_view bytes, Base64Alphabet alphabet) {
  const std::string_view symbols = AlphabetOf(alphabet);
  const bool pad = alphabet == Base64Alphabet::kStandard;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      chunk |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(symbols[(chunk >> 18) & 63]);
    out.push_back(symbols[(chunk >> 12) & 63]);
    if (i + 1 < bytes.size()) {
      out.push_back(symbols[(chunk >> 6) & 63]);
    } else if (pad) {
      out.push_back('=');
    }
    if (i + 2 < bytes.size()) {
      out.push_back(symbols[chunk & 63]);
    } else if (pad) {
      out.push_back('=');
    }
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text, Base64Alphabet alphabet) {
  std::array<int8_t, 256> values;
  values.fill(-1);
  const std::string_view symbols = AlphabetOf(alphabet);
  for (size_t i = 0; i < symbols.size(); ++i)
    values[static_cast<uint8_t>(symbols[i])] = static_cast<int8_t>(i);
  if (alphabet == Base64Alphabet::kStandard) {
    if (text.size() % 4 != 0) return std::nullopt;
    size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=')
      ++padding;
    text.remove_suffix(padding);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int8_t value = values[static_cast<uint8_t>(c)];
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, or two encodings would decode to the same bytes.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace kalam

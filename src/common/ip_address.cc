#include "common/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace kalam {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsMapped(const IpAddress& address) {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.bytes.begin());
}

std::string_view TrimSpaces(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

}  // namespace

std::vector<std::string_view> SplitCommaList(std::string_view list) {
  std::vector<std::string_view> entries;
  if (TrimSpaces(list).empty()) return entries;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    entries.push_back(TrimSpaces(list.substr(start, comma - start)));
    if (comma == std::string_view::npos) return entries;
    start = comma + 1;
  }
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string terminated(text);  // inet_pton wants a NUL-terminated string
  IpAddress address;
  in_addr v4{};
  if (inet_pton(AF_INET, terminated.c_str(), &v4) == 1) {
    std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), address.bytes.begin());
    std::memcpy(address.bytes.data() + 12, &v4, 4);
    return address;
  }
  if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (IsMapped(*this)) {
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof(text));
  }
  return text;
}

bool IpAddress::IsLoopback() const {
  if (IsMapped(*this)) return bytes[12] == 127;
  return std::all_of(bytes.begin(), bytes.end() - 1, [](uint8_t b) { return b == 0; }) &&
         bytes[15] == 1;
}

Result<IpNetwork> IpNetwork::Parse(std::string_view text) {
  const auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not an IP address or CIDR block (like 10.0.0.0/8, "
                                   "192.168.1.7 or ::1)");
  };
  const size_t slash = text.find('/');
  const std::optional<IpAddress> base = IpAddress::Parse(text.substr(0, slash));
  if (!base.has_value()) return bad();
  const int family_bits = IsMapped(*base) ? 32 : 128;
  int prefix = family_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix < 0 || prefix > family_bits) {
      return bad();
    }
  }
  return IpNetwork{.base = *base, .prefix_bits = prefix + (128 - family_bits)};
}

bool IpNetwork::Contains(const IpAddress& address) const {
  for (int bit = 0; bit < prefix_bits; ++bit) {
    const int byte = bit / 8;
    const int mask = 0x80 >> (bit % 8);
    if ((base.bytes[byte] & mask) != (address.bytes[byte] & mask)) return false;
  }
  return true;
}

Result<std::vector<IpNetwork>> ParseIpNetworks(std::string_view list) {
  std::vector<IpNetwork> networks;
  for (std::string_view entry : SplitCommaList(list)) {
    KALAM_ASSIGN_OR_RETURN(IpNetwork network, IpNetwork::Parse(entry));
    networks.push_back(network);
  }
  return networks;
}

}  // namespace kalam

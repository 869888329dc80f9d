#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kalam {

// An IPv4 or IPv6 address. IPv4 is held as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so
// "127.0.0.1" and "::ffff:127.0.0.1" are the same address and networks of both families
// compare alike.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  // The address of a numeric literal ("203.0.113.9", "::1"); nullopt for anything else
  // (host names, ports, brackets, zone ids, surrounding spaces).
  static std::optional<IpAddress> Parse(std::string_view text);
  // Dotted quad for IPv4, RFC 5952 text for IPv6.
  std::string ToString() const;
  // 127.0.0.0/8 (plain or IPv4-mapped) or ::1.
  bool IsLoopback() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// An address block: "10.0.0.0/8", "2001:db8::/32", or a single address ("::1" = /128).
struct IpNetwork {
  IpAddress base;
  int prefix_bits = 128;  // of the 128-bit (mapped) form

  // kInvalidArgument naming `text` when it is not an address or a CIDR block whose prefix
  // fits its family.
  static Result<IpNetwork> Parse(std::string_view text);
  bool Contains(const IpAddress& address) const;
};

// The entries of a comma-separated list, each trimmed of spaces and tabs; none for a blank
// list. Empty entries are kept (as "") so a validator can name them.
std::vector<std::string_view> SplitCommaList(std::string_view list);

// The networks of a comma-separated list ([server] trusted_proxies); the first bad
// entry's error.
Result<std::vector<IpNetwork>> ParseIpNetworks(std::string_view list);

}  // namespace kalam

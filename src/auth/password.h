#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kalam::auth {

// Password rules (configurable in [auth]).
struct PasswordPolicy {
  uint32_t min_length = 8;
  uint32_t max_length = 256;
  bool require_complexity = false;  // upper, lower, digit and symbol
  bool refuse_common = true;        // the built-in list of the most common passwords
};

// kInvalidArgument with the reason ("password must be at least 8 characters") when
// `password` breaks the policy. The message never contains the password.
Status CheckPasswordPolicy(const PasswordPolicy& policy, std::string_view password);

// argon2id cost. The defaults take ~50 ms and 19 MiB per hash on this class of machine
// (OWASP's argon2id minimum is 19 MiB, t=2); see ADR 0012.
struct HashCost {
  uint64_t ops_limit = 2;
  size_t mem_limit_bytes = 19u << 20;
};

// Hashes with argon2id (libsodium), a fresh random salt per hash; the result is the
// self-describing "$argon2id$v=19$m=…,t=…,p=1$salt$hash" string. Slow on purpose: call it
// from a worker thread, never a network thread.
Result<std::string> HashPassword(std::string_view password, const HashCost& cost = {});

// True if `password` matches `hash` (constant-time comparison inside libsodium). False for
// an empty or malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace kalam::auth

#include "auth/password.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "auth/sodium_init.h"
#include "common/check.h"

namespace kalam::auth {
namespace {

// The most common passwords of public breach lists that satisfy the default length; a
// policy that only counts characters would accept every one of them.
constexpr std::array<std::string_view, 40> kCommonPasswords = {
    "password",   "12345678",  "123456789", "1234567890", "qwertyuiop", "password1",     "iloveyou",
    "sunshine",   "princess",  "football",  "baseball",   "welcome1",   "abc12345",      "11111111",
    "00000000",   "88888888",  "12341234",  "qwerty123",  "1q2w3e4r",   "password123",   "admin123",
    "letmein1",   "trustno1",  "superman",  "starwars",   "whatever",   "dragon12",      "passw0rd",
    "p@ssw0rd",   "qwertyui",  "asdfghjk",  "zxcvbnm1",   "changeme",   "administrator", "root1234",
    "welcome123", "iloveyou1", "monkey12",  "master12",   "secret123"};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

void InitSodium() {
  static const bool ready = sodium_init() >= 0;
  KALAM_CHECK(ready, "libsodium failed to initialise");
}

Status CheckPasswordPolicy(const PasswordPolicy& policy, std::string_view password) {
  if (password.size() < policy.min_length) {
    return Status::InvalidArgument("password must be at least " +
                                   std::to_string(policy.min_length) + " characters");
  }
  if (password.size() > policy.max_length) {
    return Status::InvalidArgument("password must be at most " + std::to_string(policy.max_length) +
                                   " characters");
  }
  if (policy.refuse_common) {
    for (const std::string_view common : kCommonPasswords) {
      if (EqualsIgnoringCase(password, common)) {
        return Status::InvalidArgument("password is too common; choose another");
      }
    }
  }
  if (policy.require_complexity) {
    const auto has = [&](int (*test)(int)) {
      return std::any_of(password.begin(), password.end(),
                         [&](char c) { return test(static_cast<unsigned char>(c)) != 0; });
    };
    if (!has(std::isupper) || !has(std::islower) || !has(std::isdigit) || !has(std::ispunct)) {
      return Status::InvalidArgument(
          "password must contain an upper-case letter, a lower-case letter, a digit and a "
          "symbol");
    }
  }
  return Status();
}

Result<std::string> HashPassword(std::string_view password, const HashCost& cost) {
  InitSodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), cost.ops_limit,
                            cost.mem_limit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("password hashing ran out of memory");
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  InitSodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::array<char, crypto_pwhash_STRBYTES> terminated{};
  std::copy(hash.begin(), hash.end(), terminated.begin());
  return crypto_pwhash_str_verify(terminated.data(), password.data(), password.size()) == 0;
}

}  // namespace kalam::auth

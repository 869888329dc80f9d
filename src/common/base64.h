#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kalam {

// RFC 4648 base64: the standard alphabet with '=' padding (JSON BYTES values, HTTP Basic
// credentials) or the URL-safe alphabet without padding (JWT segments).
enum class Base64Alphabet { kStandard, kUrlUnpadded };

std::string Base64Encode(std::string_view bytes,
                         Base64Alphabet alphabet = Base64Alphabet::kStandard);

// nullopt for anything that is not valid base64 in `alphabet` (wrong characters, bad
// padding, impossible length).
std::optional<std::string> Base64Decode(std::string_view text,
                                        Base64Alphabet alphabet = Base64Alphabet::kStandard);

}  // namespace kalam

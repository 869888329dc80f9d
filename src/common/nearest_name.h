#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kalam {

// The candidate closest to `name` by edit distance (insertions, deletions, substitutions,
// case-insensitive), if it is close enough to be the name meant: at most a third of the
// name's length and never more than 3 edits. For "did you mean …?" in error messages.
// Ties go to the earliest candidate.
std::optional<std::string> NearestName(std::string_view name,
                                       std::span<const std::string> candidates);

}  // namespace kalam

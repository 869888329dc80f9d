#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace kalam {

// A value of `Rep` that is only comparable with values of the same `Tag`, so a UserId can
// never be passed where a NamespaceId is expected (KalamDB ADR-014). Rule of zero.
template <typename Tag, typename Rep>
requires std::totally_ordered<Rep>
class StrongId {
 public:
  using ValueType = Rep;

  StrongId() = default;
  explicit StrongId(Rep value) : value_(std::move(value)) {}

  const Rep& value() const { return value_; }

  friend auto operator<=>(const StrongId&, const StrongId&) = default;
  friend bool operator==(const StrongId&, const StrongId&) = default;

 private:
  Rep value_{};
};

// Identifiers used across components. String ids are stored as the user wrote them after
// normalisation by their owner (e.g. lower-cased namespace names); numeric ids are
// allocated by the catalog and never reused.
using NodeId = StrongId<struct NodeIdTag, std::string>;
using NamespaceId = StrongId<struct NamespaceIdTag, std::string>;
using TableName = StrongId<struct TableNameTag, std::string>;
using TableId = StrongId<struct TableIdTag, uint64_t>;  // internal, stable across renames
using UserId = StrongId<struct UserIdTag, std::string>;
using TokenId = StrongId<struct TokenIdTag, std::string>;  // a JWT's jti
using StorageId = StrongId<struct StorageIdTag, std::string>;
using JobId = StrongId<struct JobIdTag, std::string>;
using ConnectionId = StrongId<struct ConnectionIdTag, uint64_t>;

}  // namespace kalam

template <typename Tag, typename Rep>
struct std::hash<kalam::StrongId<Tag, Rep>> {
  size_t operator()(const kalam::StrongId<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>()(id.value());
  }
};

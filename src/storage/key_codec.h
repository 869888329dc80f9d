#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ids.h"

namespace kalam::storage {

// Order-preserving, self-delimiting key encoding: for two tuples of the same shape,
// comparing their encodings byte-wise (as RocksDB does) gives the tuple order. Layouts
// are documented in src/storage/README.md.
//   uint64  8 bytes big-endian
//   int64   8 bytes big-endian with the sign bit flipped (negative < positive)
//   string  bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01
void AppendKeyPart(std::string* out, uint64_t value);
void AppendKeyPart(std::string* out, int64_t value);
void AppendKeyPart(std::string* out, std::string_view value);
inline void AppendKeyPart(std::string* out, const std::string& value) {
  const std::string_view view = value;
  AppendKeyPart(out, view);
}
inline void AppendKeyPart(std::string* out, const char* value) {
  AppendKeyPart(out, std::string_view(value));
}
template <typename Tag, typename Rep>
void AppendKeyPart(std::string* out, const StrongId<Tag, Rep>& id) {
  AppendKeyPart(out, id.value());
}

// Reads parts back in the order they were appended. Each Read returns false (and reads
// nothing further) if the input is truncated or malformed.
class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : rest_(key) {}

  bool Read(uint64_t* value);
  bool Read(int64_t* value);
  bool Read(std::string* value);
  template <typename Tag, typename Rep>
  bool Read(StrongId<Tag, Rep>* id) {
    Rep value{};
    if (!Read(&value)) return false;
    *id = StrongId<Tag, Rep>(std::move(value));
    return true;
  }

  bool AtEnd() const { return rest_.empty(); }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Reads one part; overload (found by ADL) for composite key types, next to their
// AppendKeyPart.
template <typename T>
requires requires(KeyReader& reader, T* value) {
  reader.Read(value);
}
bool ReadKeyPart(KeyReader& reader, T* value) {
  return reader.Read(value);
}

// A type usable as a key part (and so as an EntityStore id).
template <typename T>
concept KeyPart = requires(std::string* out, const T& value, KeyReader& reader, T* parsed) {
  AppendKeyPart(out, value);
  { ReadKeyPart(reader, parsed) } -> std::same_as<bool>;
};

// The smallest key greater than every key that starts with `prefix`, or "" (meaning
// unbounded) if there is none (the prefix is empty or all 0xFF bytes).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace kalam::storage

#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/value.h"

namespace kalam::storage {

// Builds the payload of a versioned record: unsigned LEB128 varints, zigzag signed
// varints, length-prefixed strings, little-endian IEEE doubles. Field order is the
// schema; a record type bumps its version whenever it changes that order.
class RecordWriter {
 public:
  void PutVarint(uint64_t value);
  void PutSignedVarint(int64_t value);
  void PutBool(bool value) { PutVarint(value ? 1 : 0); }
  void PutDouble(double value);
  void PutString(std::string_view value);
  // A typed value: a tag byte (stable; never renumbered, only appended) and its payload.
  // Row cells and catalog fill values share this encoding. REQUIRES: the kind is one a column
  // stores (not kUInt64 or kStruct); a list is a list of floats (EMBEDDING).
  void PutValue(const Value& value);

  const std::string& data() const { return data_; }
  std::string Release() { return std::move(data_); }

 private:
  std::string data_;
};

// Reads a payload written by RecordWriter. Errors are sticky: after the first truncated
// or malformed field every Get returns a zero value and status() is kCorruption, so a
// decoder can read all fields and check once.
class RecordReader {
 public:
  explicit RecordReader(std::string_view data) : rest_(data) {}

  uint64_t GetVarint();
  int64_t GetSignedVarint();
  bool GetBool();
  double GetDouble();
  std::string GetString();
  Value GetValue();

  // Reads an enum stored as a varint; a value above `max_value` marks the record corrupt.
  template <typename Enum>
  Enum GetEnum(Enum max_value) {
    const uint64_t raw = GetVarint();
    if (raw > static_cast<uint64_t>(max_value)) {
      Fail("enum value out of range");
      return Enum{};
    }
    return static_cast<Enum>(raw);
  }

  bool AtEnd() const { return rest_.empty(); }
  Status status() const;

  // Marks the record malformed (sticky), for checks a decoder makes itself.
  void Fail(std::string_view what);

 private:
  std::string_view rest_;
  std::string error_;  // empty while OK
};

// A record type stored by EntityStore. kRecordVersion is the version written today;
// DecodeFrom must accept every version from 1 up to it (the upgrade path).
template <typename R>
concept VersionedRecord = requires(const R& record, RecordWriter& writer, RecordReader& reader,
                                   uint32_t version) {
  { R::kRecordVersion } -> std::convertible_to<uint32_t>;
  record.EncodeTo(writer);
  { R::DecodeFrom(reader, version) } -> std::same_as<Result<R>>;
};

// varint(version) followed by the record's fields.
template <VersionedRecord R>
std::string EncodeRecord(const R& record) {
  RecordWriter writer;
  writer.PutVarint(R::kRecordVersion);
  record.EncodeTo(writer);
  return writer.Release();
}

// Decodes a record; kCorruption if the bytes are damaged, if they hold a version newer
// than this build knows (written by a newer server), or if bytes are left over.
template <VersionedRecord R>
Result<R> DecodeRecord(std::string_view bytes) {
  RecordReader reader(bytes);
  const uint64_t version = reader.GetVarint();
  KALAM_RETURN_IF_ERROR(reader.status());
  if (version == 0 || version > R::kRecordVersion) {
    return Status::Corruption("record version " + std::to_string(version) +
                              " is not readable by this build (knows 1.." +
                              std::to_string(R::kRecordVersion) + ")");
  }
  KALAM_ASSIGN_OR_RETURN(R record, R::DecodeFrom(reader, static_cast<uint32_t>(version)));
  KALAM_RETURN_IF_ERROR(reader.status());
  if (!reader.AtEnd()) return Status::Corruption("record has trailing bytes");
  return record;
}

}  // namespace kalam::storage

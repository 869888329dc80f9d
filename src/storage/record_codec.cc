#include "storage/record_codec.h"

#include <cstring>

namespace kalam::storage {

void RecordWriter::PutVarint(uint64_t value) {
  while (value >= 0x80) {
    data_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  data_.push_back(static_cast<char>(value));
}

void RecordWriter::PutSignedVarint(int64_t value) {
  const auto bits = static_cast<uint64_t>(value);
  PutVarint((bits << 1) ^ (value < 0 ? ~uint64_t{0} : 0));  // zigzag
}

void RecordWriter::PutDouble(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  for (int i = 0; i < 8; ++i) {
    data_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
}

void RecordWriter::PutString(std::string_view value) {
  PutVarint(value.size());
  data_.append(value);
}

void RecordReader::Fail(std::string_view what) {
  if (error_.empty()) error_ = std::string(what);
  rest_ = {};
}

uint64_t RecordReader::GetVarint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (rest_.empty()) {
      Fail("truncated varint");
      return 0;
    }
    const auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    if (shift == 63 && byte > 1) {
      Fail("varint overflows 64 bits");
      return 0;
    }
    value |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return 0;  // unreachable: the 10th byte either ends the varint or fails above
}

int64_t RecordReader::GetSignedVarint() {
  const uint64_t zigzag = GetVarint();
  return static_cast<int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
}

bool RecordReader::GetBool() {
  const uint64_t value = GetVarint();
  if (value > 1) Fail("boolean out of range");
  return value == 1;
}

double RecordReader::GetDouble() {
  if (rest_.size() < 8) {
    Fail("truncated double");
    return 0;
  }
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) {
    bits |= uint64_t{static_cast<uint8_t>(rest_[i])} << (8 * i);
  }
  rest_.remove_prefix(8);
  double value = 0;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

std::string RecordReader::GetString() {
  const uint64_t size = GetVarint();
  if (size > rest_.size()) {
    Fail("truncated string");
    return {};
  }
  std::string value(rest_.substr(0, size));
  rest_.remove_prefix(size);
  return value;
}

Status RecordReader::status() const {
  return error_.empty() ? Status() : Status::Corruption("malformed record: " + error_);
}

}  // namespace kalam::storage

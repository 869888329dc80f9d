#include "engine/result_reader.h"

#include <array>
#include <cstring>
#include <vector>

#include "engine/duckdb_errors.h"

namespace kalam::engine {
namespace {

// Owns a duckdb_logical_type.
class LogicalType {
 public:
  explicit LogicalType(duckdb_logical_type type) : type_(type) {}
  ~LogicalType() {
    if (type_ != nullptr) duckdb_destroy_logical_type(&type_);
  }
  LogicalType(LogicalType&& other) noexcept : type_(other.type_) { other.type_ = nullptr; }
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
  LogicalType& operator=(LogicalType&&) = delete;

  duckdb_logical_type get() const { return type_; }
  duckdb_type id() const { return duckdb_get_type_id(type_); }
  std::string alias() const {
    char* alias = duckdb_logical_type_get_alias(type_);
    std::string text = alias != nullptr ? alias : "";
    duckdb_free(alias);
    return text;
  }

 private:
  duckdb_logical_type type_;
};

__extension__ using Uint128 = unsigned __int128;  // GCC/Clang builtin; not ISO C++

std::string Uint128ToString(uint64_t upper, uint64_t lower) {
  Uint128 magnitude = (static_cast<Uint128>(upper) << 64) | lower;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  return {digits.rbegin(), digits.rend()};
}

std::string Int128ToString(uint64_t lower, int64_t upper) {
  if (upper >= 0) return Uint128ToString(static_cast<uint64_t>(upper), lower);
  // Two's complement negation of the 128-bit value.
  const Uint128 value = (static_cast<Uint128>(static_cast<uint64_t>(upper)) << 64) | lower;
  const Uint128 magnitude = ~value + 1;
  return "-" +
         Uint128ToString(static_cast<uint64_t>(magnitude >> 64), static_cast<uint64_t>(magnitude));
}

// Places a decimal point `scale` digits from the right of an integer's digits.
std::string WithScale(const std::string& digits, uint8_t scale) {
  if (scale == 0) return digits;
  const bool negative = !digits.empty() && digits[0] == '-';
  const std::string magnitude = negative ? digits.substr(1) : digits;
  const std::string padded = magnitude.size() <= scale
                                 ? std::string(scale - magnitude.size() + 1, '0') + magnitude
                                 : magnitude;
  const size_t point = padded.size() - scale;
  return (negative ? "-" : "") + padded.substr(0, point) + "." + padded.substr(point);
}

std::string UuidText(duckdb_hugeint value) {
  // DuckDB stores UUIDs as hugeint with the top bit flipped, so they sort as unsigned.
  const uint64_t upper = static_cast<uint64_t>(value.upper) ^ (uint64_t{1} << 63);
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(upper >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(value.lower >> (56 - 8 * i));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[bytes[i] >> 4]);
    text.push_back(kHex[bytes[i] & 0xF]);
  }
  return text;
}

// The bytes of text the cells of one row copy, checked against the sink's room before each
// copy, so a huge cell (repeat('x', 400000000)) is refused while it is still DuckDB's.
class CopyBudget {
 public:
  explicit CopyBudget(const ResultSink& sink) : sink_(sink) {}
  // False (and status() says why) when `bytes` more would not fit.
  bool Take(size_t bytes) {
    if (!status_.ok()) return false;
    taken_ += bytes;
    status_ = sink_.CheckRoom(taken_);
    return status_.ok();
  }
  void NextRow() { taken_ = 0; }
  const Status& status() const { return status_; }

 private:
  const ResultSink& sink_;
  size_t taken_ = 0;
  Status status_;
};

// The text of row `row`, or "" when the budget refuses it (the row is then abandoned).
std::string StringOf(duckdb_string_t* strings, idx_t row, CopyBudget& budget) {
  const uint32_t length = duckdb_string_t_length(strings[row]);
  if (!budget.Take(length)) return {};
  return std::string(duckdb_string_t_data(&strings[row]), length);
}

template <typename T>
T At(duckdb_vector vector, idx_t row) {
  return static_cast<T*>(duckdb_vector_get_data(vector))[row];
}

// The name of a type in result schemas; empty if the API cannot encode it.
std::string TypeName(const LogicalType& type) {
  switch (type.id()) {
    case DUCKDB_TYPE_BOOLEAN:
      return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
      return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
      return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
      return "INT";
    case DUCKDB_TYPE_BIGINT:
      return "BIGINT";
    case DUCKDB_TYPE_UTINYINT:
      return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
      return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
      return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT:
      return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
      return "DOUBLE";
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL(" + std::to_string(duckdb_decimal_width(type.get())) + "," +
             std::to_string(duckdb_decimal_scale(type.get())) + ")";
    case DUCKDB_TYPE_VARCHAR:
      return type.alias() == "JSON" ? "JSON" : "TEXT";
    case DUCKDB_TYPE_BLOB:
      return "BYTES";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    case DUCKDB_TYPE_DATE:
      return "DATE";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMPTZ";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_ENUM:
      return "TEXT";
    case DUCKDB_TYPE_LIST: {
      const LogicalType child(duckdb_list_type_child_type(type.get()));
      const std::string inner = TypeName(child);
      return inner.empty() ? "" : inner + "[]";
    }
    case DUCKDB_TYPE_ARRAY: {
      const LogicalType child(duckdb_array_type_child_type(type.get()));
      const std::string inner = TypeName(child);
      return inner.empty()
                 ? ""
                 : inner + "[" + std::to_string(duckdb_array_type_array_size(type.get())) + "]";
    }
    case DUCKDB_TYPE_STRUCT: {
      const idx_t count = duckdb_struct_type_child_count(type.get());
      for (idx_t i = 0; i < count; ++i) {
        if (TypeName(LogicalType(duckdb_struct_type_child_type(type.get(), i))).empty()) return "";
      }
      return "STRUCT";
    }
    case DUCKDB_TYPE_SQLNULL:
      return "NULL";
    default:
      return "";
  }
}

Value ReadCell(duckdb_vector vector, const LogicalType& type, idx_t row, CopyBudget& budget);

Value ReadList(duckdb_vector vector, const LogicalType& type, idx_t row, CopyBudget& budget) {
  const duckdb_list_entry entry = At<duckdb_list_entry>(vector, row);
  const LogicalType child_type(duckdb_list_type_child_type(type.get()));
  duckdb_vector child = duckdb_list_vector_get_child(vector);
  Value list{.kind = Value::Kind::kList};
  list.children.reserve(entry.length);
  for (idx_t i = 0; i < entry.length; ++i) {
    list.children.push_back(ReadCell(child, child_type, entry.offset + i, budget));
  }
  return list;
}

Value ReadArray(duckdb_vector vector, const LogicalType& type, idx_t row, CopyBudget& budget) {
  const idx_t size = duckdb_array_type_array_size(type.get());
  const LogicalType child_type(duckdb_array_type_child_type(type.get()));
  duckdb_vector child = duckdb_array_vector_get_child(vector);
  Value list{.kind = Value::Kind::kList};
  for (idx_t i = 0; i < size; ++i) {
    list.children.push_back(ReadCell(child, child_type, row * size + i, budget));
  }
  return list;
}

Value ReadStruct(duckdb_vector vector, const LogicalType& type, idx_t row, CopyBudget& budget) {
  Value object{.kind = Value::Kind::kStruct};
  const idx_t count = duckdb_struct_type_child_count(type.get());
  for (idx_t i = 0; i < count; ++i) {
    char* name = duckdb_struct_type_child_name(type.get(), i);
    object.field_names.emplace_back(name != nullptr ? name : "");
    duckdb_free(name);
    const LogicalType child_type(duckdb_struct_type_child_type(type.get(), i));
    object.children.push_back(
        ReadCell(duckdb_struct_vector_get_child(vector, i), child_type, row, budget));
  }
  return object;
}

Value ReadDecimal(duckdb_vector vector, const LogicalType& type, idx_t row) {
  const uint8_t scale = duckdb_decimal_scale(type.get());
  std::string digits;
  switch (duckdb_decimal_internal_type(type.get())) {
    case DUCKDB_TYPE_SMALLINT:
      digits = std::to_string(At<int16_t>(vector, row));
      break;
    case DUCKDB_TYPE_INTEGER:
      digits = std::to_string(At<int32_t>(vector, row));
      break;
    case DUCKDB_TYPE_BIGINT:
      digits = std::to_string(At<int64_t>(vector, row));
      break;
    default: {
      const duckdb_hugeint value = At<duckdb_hugeint>(vector, row);
      digits = Int128ToString(value.lower, value.upper);
    }
  }
  return {.kind = Value::Kind::kDecimal, .text = WithScale(digits, scale)};
}

Value ReadEnum(duckdb_vector vector, const LogicalType& type, idx_t row) {
  idx_t index = 0;
  switch (duckdb_enum_internal_type(type.get())) {
    case DUCKDB_TYPE_UTINYINT:
      index = At<uint8_t>(vector, row);
      break;
    case DUCKDB_TYPE_USMALLINT:
      index = At<uint16_t>(vector, row);
      break;
    default:
      index = At<uint32_t>(vector, row);
  }
  char* text = duckdb_enum_dictionary_value(type.get(), index);
  Value value = Value::Text(text != nullptr ? text : "");
  duckdb_free(text);
  return value;
}

Value ReadCell(duckdb_vector vector, const LogicalType& type, idx_t row, CopyBudget& budget) {
  uint64_t* validity = duckdb_vector_get_validity(vector);
  if (validity != nullptr && !duckdb_validity_row_is_valid(validity, row)) return Value::Null();
  switch (type.id()) {
    case DUCKDB_TYPE_BOOLEAN:
      return Value::Boolean(At<bool>(vector, row));
    case DUCKDB_TYPE_TINYINT:
      return Value::Int32(At<int8_t>(vector, row));
    case DUCKDB_TYPE_SMALLINT:
      return Value::Int32(At<int16_t>(vector, row));
    case DUCKDB_TYPE_INTEGER:
      return Value::Int32(At<int32_t>(vector, row));
    case DUCKDB_TYPE_UTINYINT:
      return Value::Int32(At<uint8_t>(vector, row));
    case DUCKDB_TYPE_USMALLINT:
      return Value::Int32(At<uint16_t>(vector, row));
    case DUCKDB_TYPE_UINTEGER:
      return Value::Int32(At<uint32_t>(vector, row));
    case DUCKDB_TYPE_BIGINT:
      return Value::Int64(At<int64_t>(vector, row));
    case DUCKDB_TYPE_UBIGINT:
      return {.kind = Value::Kind::kUInt64, .unsigned_integer = At<uint64_t>(vector, row)};
    case DUCKDB_TYPE_HUGEINT: {
      const duckdb_hugeint value = At<duckdb_hugeint>(vector, row);
      return {.kind = Value::Kind::kDecimal, .text = Int128ToString(value.lower, value.upper)};
    }
    case DUCKDB_TYPE_UHUGEINT: {
      const duckdb_uhugeint value = At<duckdb_uhugeint>(vector, row);
      return {.kind = Value::Kind::kDecimal, .text = Uint128ToString(value.upper, value.lower)};
    }
    case DUCKDB_TYPE_FLOAT:
      return Value::Double(At<float>(vector, row));
    case DUCKDB_TYPE_DOUBLE:
      return Value::Double(At<double>(vector, row));
    case DUCKDB_TYPE_DECIMAL:
      return ReadDecimal(vector, type, row);
    case DUCKDB_TYPE_VARCHAR: {
      std::string text =
          StringOf(static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector)), row, budget);
      return type.alias() == "JSON" ? Value::Json(std::move(text)) : Value::Text(std::move(text));
    }
    case DUCKDB_TYPE_BLOB:
      return {.kind = Value::Kind::kBytes,
              .text = StringOf(static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector)), row,
                               budget)};
    case DUCKDB_TYPE_UUID:
      return Value::Text(UuidText(At<duckdb_hugeint>(vector, row)));
    case DUCKDB_TYPE_DATE:
      return {.kind = Value::Kind::kDate, .integer = At<duckdb_date>(vector, row).days};
    case DUCKDB_TYPE_TIME:
      return {.kind = Value::Kind::kTime, .integer = At<duckdb_time>(vector, row).micros};
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return {.kind = Value::Kind::kTimestamp, .integer = At<duckdb_timestamp>(vector, row).micros};
    case DUCKDB_TYPE_TIMESTAMP_S:
      return {.kind = Value::Kind::kTimestamp, .integer = At<int64_t>(vector, row) * 1000000};
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return {.kind = Value::Kind::kTimestamp, .integer = At<int64_t>(vector, row) * 1000};
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return {.kind = Value::Kind::kTimestamp, .integer = At<int64_t>(vector, row) / 1000};
    case DUCKDB_TYPE_INTERVAL: {
      const duckdb_interval interval = At<duckdb_interval>(vector, row);
      return Value::Text(std::to_string(interval.months) + " months " +
                         std::to_string(interval.days) + " days " +
                         std::to_string(interval.micros) + " microseconds");
    }
    case DUCKDB_TYPE_ENUM:
      return ReadEnum(vector, type, row);
    case DUCKDB_TYPE_LIST:
      return ReadList(vector, type, row, budget);
    case DUCKDB_TYPE_ARRAY:
      return ReadArray(vector, type, row, budget);
    case DUCKDB_TYPE_STRUCT:
      return ReadStruct(vector, type, row, budget);
    default:
      return Value::Null();  // SQLNULL; other types are refused before reading
  }
}

}  // namespace

duckdb_logical_type LogicalTypeFromName(const std::string& name) {
  if (name == "INTEGER") return duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
  if (name == "BIGINT") return duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  if (name == "BOOLEAN") return duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
  if (name == "TIMESTAMP") return duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP);
  if (name == "DOUBLE") return duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
  if (name == "JSON") {
    duckdb_logical_type json = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    duckdb_logical_type_set_alias(json, "JSON");  // read back as JSON, embedded in replies
    return json;
  }
  return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
}

void WriteCell(duckdb_vector vector, idx_t row, const Value& value) {
  switch (value.kind) {
    case Value::Kind::kNull:
      duckdb_vector_ensure_validity_writable(vector);
      duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vector), row);
      return;
    case Value::Kind::kBoolean:
      static_cast<bool*>(duckdb_vector_get_data(vector))[row] = value.boolean;
      return;
    case Value::Kind::kInt32:
      static_cast<int32_t*>(duckdb_vector_get_data(vector))[row] =
          static_cast<int32_t>(value.integer);
      return;
    case Value::Kind::kInt64:
    case Value::Kind::kTimestamp:
      static_cast<int64_t*>(duckdb_vector_get_data(vector))[row] = value.integer;
      return;
    case Value::Kind::kDouble:
      static_cast<double*>(duckdb_vector_get_data(vector))[row] = value.number;
      return;
    default:
      duckdb_vector_assign_string_element_len(vector, row, value.text.data(), value.text.size());
  }
}

namespace {

__extension__ using Int128 = __int128;

// "-12.50" with scale 2 → -1250.
Int128 ScaledDecimal(const std::string& text, uint8_t scale) {
  Int128 value = 0;
  bool negative = false;
  int fraction_digits = -1;
  for (const char c : text) {
    if (c == '-') {
      negative = true;
    } else if (c == '.') {
      fraction_digits = 0;
    } else if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      if (fraction_digits >= 0) ++fraction_digits;
    }
  }
  for (int i = std::max(fraction_digits, 0); i < scale; ++i)
    value *= 10;
  return negative ? -value : value;
}

duckdb_hugeint ToHugeint(Int128 value) {
  return {static_cast<uint64_t>(value), static_cast<int64_t>(value >> 64)};
}

duckdb_hugeint UuidFromText(const std::string& text) {
  uint64_t upper = 0;
  uint64_t lower = 0;
  int nibble = 0;
  for (const char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) continue;
    uint64_t& half = nibble < 16 ? upper : lower;
    half = (half << 4) | static_cast<uint64_t>(digit);
    ++nibble;
  }
  return {lower, static_cast<int64_t>(upper ^ (uint64_t{1} << 63))};
}

template <typename T>
void Put(duckdb_vector vector, idx_t row, T value) {
  static_cast<T*>(duckdb_vector_get_data(vector))[row] = value;
}

void PutDecimal(duckdb_vector vector, duckdb_logical_type type, idx_t row,
                const std::string& text) {
  const Int128 scaled = ScaledDecimal(text, duckdb_decimal_scale(type));
  switch (duckdb_decimal_internal_type(type)) {
    case DUCKDB_TYPE_SMALLINT:
      return Put(vector, row, static_cast<int16_t>(scaled));
    case DUCKDB_TYPE_INTEGER:
      return Put(vector, row, static_cast<int32_t>(scaled));
    case DUCKDB_TYPE_BIGINT:
      return Put(vector, row, static_cast<int64_t>(scaled));
    default:
      return Put(vector, row, ToHugeint(scaled));
  }
}

void PutFloatArray(duckdb_vector vector, duckdb_logical_type type, idx_t row, const Value& value) {
  const idx_t size = duckdb_array_type_array_size(type);
  duckdb_vector child = duckdb_array_vector_get_child(vector);
  auto* floats = static_cast<float*>(duckdb_vector_get_data(child));
  for (idx_t i = 0; i < size; ++i) {
    floats[row * size + i] =
        i < value.children.size() ? static_cast<float>(value.children[i].number) : 0;
  }
}

}  // namespace

void WriteTypedCell(duckdb_vector vector, duckdb_logical_type type, idx_t row, const Value& value) {
  if (value.kind == Value::Kind::kNull) {
    duckdb_vector_ensure_validity_writable(vector);
    duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vector), row);
    return;
  }
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN:
      return Put(vector, row, value.boolean);
    case DUCKDB_TYPE_SMALLINT:
      return Put(vector, row, static_cast<int16_t>(value.integer));
    case DUCKDB_TYPE_INTEGER:
      return Put(vector, row, static_cast<int32_t>(value.integer));
    case DUCKDB_TYPE_BIGINT:
      return Put(vector, row, value.integer);
    case DUCKDB_TYPE_FLOAT:
      return Put(vector, row, static_cast<float>(value.number));
    case DUCKDB_TYPE_DOUBLE:
      return Put(vector, row, value.number);
    case DUCKDB_TYPE_DECIMAL:
      return PutDecimal(vector, type, row, value.text);
    case DUCKDB_TYPE_UUID:
      return Put(vector, row, UuidFromText(value.text));
    case DUCKDB_TYPE_DATE:
      return Put(vector, row, duckdb_date{static_cast<int32_t>(value.integer)});
    case DUCKDB_TYPE_TIME:
      return Put(vector, row, duckdb_time{value.integer});
    case DUCKDB_TYPE_TIMESTAMP:
      return Put(vector, row, duckdb_timestamp{value.integer});
    case DUCKDB_TYPE_ARRAY:
      return PutFloatArray(vector, type, row, value);
    default:  // VARCHAR, JSON, BLOB
      duckdb_vector_assign_string_element_len(vector, row, value.text.data(), value.text.size());
  }
}

std::string ResultTypeName(duckdb_logical_type type) {
  const LogicalType owned(type);
  return TypeName(owned);
}

Status StreamResult(duckdb_result* result, ResultSink& sink) {
  const idx_t column_count = duckdb_column_count(result);
  std::vector<LogicalType> types;
  std::vector<ResultColumn> columns;
  for (idx_t i = 0; i < column_count; ++i) {
    types.emplace_back(duckdb_column_logical_type(result, i));
    std::string type_name = TypeName(types.back());
    const char* name = duckdb_column_name(result, i);
    if (type_name.empty()) {
      return Status::InvalidArgument(
          "column '" + std::string(name != nullptr ? name : "?") +
          "' has a type the API cannot return; cast it, e.g. to VARCHAR");
    }
    columns.push_back({name != nullptr ? name : "", std::move(type_name)});
  }
  sink.BeginResult(columns);
  uint64_t row_count = 0;
  std::vector<Value> row(column_count);
  std::vector<duckdb_vector> vectors(column_count);
  CopyBudget budget(sink);
  for (duckdb_data_chunk chunk = duckdb_fetch_chunk(*result); chunk != nullptr;
       chunk = duckdb_fetch_chunk(*result)) {
    const idx_t size = duckdb_data_chunk_get_size(chunk);
    for (idx_t c = 0; c < column_count; ++c) {
      vectors[c] = duckdb_data_chunk_get_vector(chunk, c);
    }
    Status stopped;
    for (idx_t r = 0; r < size && stopped.ok(); ++r) {
      budget.NextRow();
      for (idx_t c = 0; c < column_count; ++c) {
        row[c] = ReadCell(vectors[c], types[c], r, budget);
      }
      stopped = budget.status();
      if (stopped.ok()) sink.Row(row);
      if (stopped.ok()) stopped = sink.Stopped();
      ++row_count;
    }
    duckdb_destroy_data_chunk(&chunk);
    if (!stopped.ok()) return stopped;
  }
  // A streaming result reports errors raised while producing chunks only here.
  if (const char* error = duckdb_result_error(result); error != nullptr) {
    return StatusFromDuckDbError(duckdb_result_error_type(result), error);
  }
  sink.EndResult(row_count, "");
  return Status();
}

}  // namespace kalam::engine

#include "engine/parameter_value.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace kalam::engine {
namespace {

__extension__ using Int128 = __int128;

// The DuckDB type every element of a list shares, inferred before any value is built.
struct ElementType {
  enum class Kind : uint8_t {
    kNull,  // only NULLs so far: any other kind may follow
    kBoolean,
    kBigInt,
    kUBigInt,
    kHugeInt,
    kDouble,
    kVarchar,
    kBlob,
    kTimestamp,
    kDate,
    kTime,
    kList,
  };
  Kind kind = Kind::kNull;
  std::vector<ElementType> element;  // kList: exactly one, the type of its elements
};
using Kind = ElementType::Kind;

std::string KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kBigInt:
    case Kind::kUBigInt:
    case Kind::kHugeInt:
    case Kind::kDouble:
      return "number";
    case Kind::kVarchar:
      return "string";
    case Kind::kBlob:
      return "bytes";
    case Kind::kTimestamp:
      return "timestamp";
    case Kind::kDate:
      return "date";
    case Kind::kTime:
      return "time";
    case Kind::kList:
      return "list";
  }
  return "value";
}

bool IsNumber(Kind kind) {
  return kind == Kind::kBigInt || kind == Kind::kUBigInt || kind == Kind::kHugeInt ||
         kind == Kind::kDouble;
}

// An optional sign and 1 to 38 digits: an integer HUGEINT holds exactly.
bool IsHugeIntText(const std::string& text) {
  const size_t digits = text.size() - (text.starts_with('-') ? 1 : 0);
  return digits >= 1 && digits <= 38 &&
         text.find_first_not_of("0123456789", text.size() - digits) == std::string::npos;
}

// The type both `a` and `b` fit: numbers widen (BIGINT with UBIGINT needs HUGEINT; any
// fraction makes DOUBLE), lists merge their elements, other kinds must be equal.
Result<ElementType> Merge(ElementType a, ElementType b) {
  if (a.kind == Kind::kNull) return b;
  if (b.kind == Kind::kNull) return a;
  if (IsNumber(a.kind) && IsNumber(b.kind)) {
    if (a.kind == b.kind) return a;
    if (a.kind == Kind::kDouble || b.kind == Kind::kDouble) return ElementType{Kind::kDouble};
    return ElementType{Kind::kHugeInt};
  }
  if (a.kind != b.kind) {
    return Status::InvalidArgument("a list cannot mix " + KindName(a.kind) + " and " +
                                   KindName(b.kind) + " elements");
  }
  if (a.kind == Kind::kList) {
    KALAM_ASSIGN_OR_RETURN(ElementType element,
                           Merge(std::move(a.element[0]), std::move(b.element[0])));
    return ElementType{Kind::kList, {std::move(element)}};
  }
  return a;
}

// JSON parameters nest at most 32 deep (Boost.JSON's limit); deeper Values are refused
// rather than recursed into without bound.
constexpr int kMaxListDepth = 64;

Result<ElementType> TypeOf(const Value& value, int depth = 0) {
  switch (value.kind) {
    case Value::Kind::kNull:
      return ElementType{Kind::kNull};
    case Value::Kind::kBoolean:
      return ElementType{Kind::kBoolean};
    case Value::Kind::kInt32:
    case Value::Kind::kInt64:
      return ElementType{Kind::kBigInt};
    case Value::Kind::kUInt64:
      return ElementType{Kind::kUBigInt};
    case Value::Kind::kDouble:
      return ElementType{Kind::kDouble};
    case Value::Kind::kDecimal:
      return ElementType{IsHugeIntText(value.text) ? Kind::kHugeInt : Kind::kDouble};
    case Value::Kind::kText:
      return ElementType{Kind::kVarchar};
    case Value::Kind::kBytes:
      return ElementType{Kind::kBlob};
    case Value::Kind::kTimestamp:
      return ElementType{Kind::kTimestamp};
    case Value::Kind::kDate:
      return ElementType{Kind::kDate};
    case Value::Kind::kTime:
      return ElementType{Kind::kTime};
    case Value::Kind::kJson:
      return Status::InvalidArgument("a list cannot contain objects");
    case Value::Kind::kStruct:
      return Status::InvalidArgument("struct values are not supported");
    case Value::Kind::kList: {
      if (depth >= kMaxListDepth) {
        return Status::InvalidArgument("lists nest more than " + std::to_string(kMaxListDepth) +
                                       " levels deep");
      }
      ElementType element{Kind::kNull};
      for (const Value& child : value.children) {
        KALAM_ASSIGN_OR_RETURN(ElementType child_type, TypeOf(child, depth + 1));
        KALAM_ASSIGN_OR_RETURN(element, Merge(std::move(element), std::move(child_type)));
      }
      return ElementType{Kind::kList, {std::move(element)}};
    }
  }
  return Status::InvalidArgument("unsupported value");
}

// The elements of an empty or all-NULL list are VARCHAR: the C API cannot create NULL[], and
// text casts to whatever type the query compares or stores it as.
duckdb_logical_type CreateLogicalType(const ElementType& type) {
  static constexpr std::pair<Kind, duckdb_type> kScalars[] = {
      {Kind::kNull, DUCKDB_TYPE_VARCHAR},
      {Kind::kBoolean, DUCKDB_TYPE_BOOLEAN},
      {Kind::kBigInt, DUCKDB_TYPE_BIGINT},
      {Kind::kUBigInt, DUCKDB_TYPE_UBIGINT},
      {Kind::kHugeInt, DUCKDB_TYPE_HUGEINT},
      {Kind::kDouble, DUCKDB_TYPE_DOUBLE},
      {Kind::kVarchar, DUCKDB_TYPE_VARCHAR},
      {Kind::kBlob, DUCKDB_TYPE_BLOB},
      {Kind::kTimestamp, DUCKDB_TYPE_TIMESTAMP},
      {Kind::kDate, DUCKDB_TYPE_DATE},
      {Kind::kTime, DUCKDB_TYPE_TIME}};
  if (type.kind == Kind::kList) {
    duckdb_logical_type element = CreateLogicalType(type.element[0]);
    duckdb_logical_type list = duckdb_create_list_type(element);
    duckdb_destroy_logical_type(&element);
    return list;
  }
  for (const auto& [kind, duckdb] : kScalars) {
    if (kind == type.kind) return duckdb_create_logical_type(duckdb);
  }
  return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
}

Int128 HugeIntOf(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kUInt64:
      return static_cast<Int128>(value.unsigned_integer);
    case Value::Kind::kDecimal: {  // IsHugeIntText holds: at most 38 digits, no overflow
      Int128 result = 0;
      for (const char c : value.text) {
        if (c != '-') result = result * 10 + (c - '0');
      }
      return value.text.starts_with('-') ? -result : result;
    }
    default:
      return value.integer;
  }
}

double DoubleOf(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kDouble:
      return value.number;
    case Value::Kind::kUInt64:
      return static_cast<double>(value.unsigned_integer);
    case Value::Kind::kDecimal:
      return std::strtod(value.text.c_str(), nullptr);
    default:
      return static_cast<double>(value.integer);
  }
}

// Strict UTF-8: DuckDB throws (through its C API) when asked to build VARCHAR from anything
// else, so text is checked first. Overlong forms, surrogates and code points past U+10FFFF
// are refused as DuckDB refuses them.
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xE  ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 0;
    if (length == 0 || i + length > text.size()) return false;
    uint32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (byte(i + k) & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

Result<DuckDbValue> Checked(duckdb_value value) {
  if (value == nullptr) return Status::InvalidArgument("the value cannot be converted");
  return DuckDbValue(value);
}

// DuckDB's own ranges (its casts read out-of-range temporal values out of bounds).
constexpr int64_t kMicrosPerDay = 86400000000;
constexpr int64_t kMinTimestamp = -INT64_MAX;  // -infinity; INT64_MIN is not a timestamp

Status CheckRange(const Value& value, std::string_view what, int64_t min, int64_t max) {
  if (value.integer >= min && value.integer <= max) return Status();
  return Status::InvalidArgument(std::string(what) +
                                 " out of range: " + std::to_string(value.integer));
}

Result<DuckDbValue> Varchar(std::string_view text) {
  if (!IsValidUtf8(text)) return Status::InvalidArgument("text is not valid UTF-8");
  return Checked(duckdb_create_varchar_length(text.data(), text.size()));
}

Result<DuckDbValue> Build(const Value& value, const ElementType& type);

Result<DuckDbValue> BuildList(const Value& list, const ElementType& type) {
  std::vector<DuckDbValue> items;
  items.reserve(list.children.size());
  std::vector<duckdb_value> raw;
  for (const Value& child : list.children) {
    KALAM_ASSIGN_OR_RETURN(DuckDbValue item, Build(child, type.element[0]));
    raw.push_back(item.get());
    items.push_back(std::move(item));
  }
  duckdb_logical_type element = CreateLogicalType(type.element[0]);
  // DuckDB casts each element to `element` (NULLs become typed NULLs). It refuses a null
  // array even for zero elements, so an empty list passes a placeholder.
  duckdb_value placeholder = nullptr;
  duckdb_value created =
      duckdb_create_list_value(element, raw.empty() ? &placeholder : raw.data(), raw.size());
  duckdb_destroy_logical_type(&element);
  return Checked(created);
}

// `value` built as exactly `type` (which TypeOf(value) merged into).
Result<DuckDbValue> Build(const Value& value, const ElementType& type) {
  if (value.kind == Value::Kind::kNull) return Checked(duckdb_create_null_value());
  switch (type.kind) {
    case Kind::kBoolean:
      return Checked(duckdb_create_bool(value.boolean));
    case Kind::kBigInt:
      return Checked(duckdb_create_int64(value.integer));
    case Kind::kUBigInt:
      return Checked(duckdb_create_uint64(value.unsigned_integer));
    case Kind::kHugeInt: {
      const Int128 huge = HugeIntOf(value);
      return Checked(
          duckdb_create_hugeint({static_cast<uint64_t>(huge), static_cast<int64_t>(huge >> 64)}));
    }
    case Kind::kDouble:
      return Checked(duckdb_create_double(DoubleOf(value)));
    case Kind::kBlob:
      return Checked(duckdb_create_blob(reinterpret_cast<const uint8_t*>(value.text.data()),
                                        value.text.size()));
    case Kind::kTimestamp:
      KALAM_RETURN_IF_ERROR(CheckRange(value, "timestamp", kMinTimestamp, INT64_MAX));
      return Checked(duckdb_create_timestamp({value.integer}));
    case Kind::kDate:
      KALAM_RETURN_IF_ERROR(CheckRange(value, "date", INT32_MIN + 1, INT32_MAX));
      return Checked(duckdb_create_date({static_cast<int32_t>(value.integer)}));
    case Kind::kTime:
      KALAM_RETURN_IF_ERROR(CheckRange(value, "time", 0, kMicrosPerDay));
      return Checked(duckdb_create_time({value.integer}));
    case Kind::kList:
      return BuildList(value, type);
    case Kind::kNull:
    case Kind::kVarchar:
      break;
  }
  return Varchar(value.text);
}

}  // namespace

Result<DuckDbValue> ToDuckDbValue(const Value& value) {
  if (value.kind == Value::Kind::kDecimal || value.kind == Value::Kind::kJson) {
    // Exact text: DuckDB casts it to the type the query needs (DECIMAL, HUGEINT, JSON…).
    return Varchar(value.text);
  }
  KALAM_ASSIGN_OR_RETURN(const ElementType type, TypeOf(value));
  return Build(value, type);
}

}  // namespace kalam::engine

#include "tables/coerce.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "common/unique_ids.h"

namespace kalam::tables {
namespace {

using Kind = catalog::DataType::Kind;

Status Bad(std::string_view column, const catalog::DataType& type, std::string_view why) {
  return Status::TypeMismatch("invalid value for column '" + std::string(column) + "' (" +
                              type.ToSql() + "): " + std::string(why));
}

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

bool IsLeap(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Reads exactly `digits` decimal digits at `pos`.
bool ReadDigits(std::string_view text, size_t& pos, size_t digits, int64_t& value) {
  if (pos + digits > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return true;
}

bool ParseDate(std::string_view text, size_t& pos, int64_t& days) {
  int64_t year = 0, month = 0, day = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, day)) {
    return false;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return false;
  const int max_day = kDaysInMonth[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
  if (day < 1 || day > max_day) return false;
  days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return true;
}

// HH:MM[:SS[.f…]] → microseconds since midnight.
bool ParseTime(std::string_view text, size_t& pos, int64_t& micros) {
  int64_t hour = 0, minute = 0, second = 0, fraction = 0;
  if (!ReadDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
      !ReadDigits(text, pos, 2, minute)) {
    return false;
  }
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!ReadDigits(text, pos, 2, second)) return false;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      size_t digits = 0;
      for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
        if (digits < 6) fraction = fraction * 10 + (text[pos] - '0');
      }
      if (digits == 0 || digits > 9) return false;
      for (size_t i = digits; i < 6; ++i)
        fraction *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  micros = ((hour * 60 + minute) * 60 + second) * 1000000 + fraction;
  return true;
}

// Z | ±HH:MM | ±HHMM | ±HH → offset in microseconds east of UTC.
bool ParseOffset(std::string_view text, size_t& pos, int64_t& offset) {
  offset = 0;
  if (pos == text.size()) return true;
  if (text[pos] == 'Z' || text[pos] == 'z') return ++pos == text.size();
  if (text[pos] != '+' && text[pos] != '-') return false;
  const int64_t sign = text[pos++] == '-' ? -1 : 1;
  int64_t hours = 0, minutes = 0;
  if (!ReadDigits(text, pos, 2, hours)) return false;
  if (pos < text.size() && text[pos] == ':') ++pos;
  if (pos < text.size() && !ReadDigits(text, pos, 2, minutes)) return false;
  if (hours > 23 || minutes > 59 || pos != text.size()) return false;
  offset = sign * (hours * 60 + minutes) * 60 * 1000000;
  return true;
}

std::string LiteralText(const Value& literal) {
  switch (literal.kind) {
    case Value::Kind::kInt32:
    case Value::Kind::kInt64:
      return std::to_string(literal.integer);
    case Value::Kind::kDouble: {
      char buffer[32];
      const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), literal.number);
      return std::string(buffer, end);
    }
    case Value::Kind::kBoolean:
      return literal.boolean ? "true" : "false";
    case Value::Kind::kUInt64:
      return std::to_string(literal.unsigned_integer);
    default:
      return literal.text;
  }
}

// VARCHAR(n): at most n characters.
Status CheckLength(const catalog::DataType& type, std::string_view text, std::string_view column) {
  if (type.kind != Kind::kText || type.length == 0 || text.size() <= type.length) return Status();
  const size_t characters = CharacterLength(text);
  if (characters <= type.length) return Status();
  return Bad(column, type,
             std::to_string(characters) + " characters, longer than the limit of " +
                 std::to_string(type.length));
}

bool IsNumeric(const Value& v) {
  return v.kind == Value::Kind::kInt32 || v.kind == Value::Kind::kInt64 ||
         v.kind == Value::Kind::kUInt64 || v.kind == Value::Kind::kDouble ||
         v.kind == Value::Kind::kDecimal;
}

Result<Value> ToInteger(const catalog::DataType& type, const Value& literal,
                        std::string_view column) {
  if (!IsNumeric(literal) && literal.kind != Value::Kind::kText)
    return Bad(column, type, "not a number");
  const std::string text = LiteralText(literal);
  int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc::result_out_of_range) return Bad(column, type, "out of range");
  if (error != std::errc() || end != text.data() + text.size()) {
    return Bad(column, type, "'" + text + "' is not a whole number");
  }
  const int64_t limit = type.kind == Kind::kSmallInt ? std::numeric_limits<int16_t>::max()
                        : type.kind == Kind::kInt    ? std::numeric_limits<int32_t>::max()
                                                     : std::numeric_limits<int64_t>::max();
  if (number > limit || number < -limit - 1) return Bad(column, type, text + " is out of range");
  return type.kind == Kind::kBigInt ? Value::Int64(number) : Value::Int32(number);
}

// FLOAT columns keep single precision: the stored value is what a FLOAT holds.
Value Floating(const catalog::DataType& type, double number) {
  return Value::Double(type.kind == Kind::kFloat ? static_cast<double>(static_cast<float>(number))
                                                 : number);
}

Result<Value> ToFloating(const catalog::DataType& type, const Value& literal,
                         std::string_view column) {
  if (literal.kind == Value::Kind::kDouble) return Floating(type, literal.number);
  if (!IsNumeric(literal) && literal.kind != Value::Kind::kText)
    return Bad(column, type, "not a number");
  const std::string text = LiteralText(literal);
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) {
    return Bad(column, type, "'" + text + "' is not a finite number");
  }
  return Floating(type, number);
}

Result<Value> ToDecimal(const catalog::DataType& type, const Value& literal,
                        std::string_view column) {
  if (!IsNumeric(literal) && literal.kind != Value::Kind::kText)
    return Bad(column, type, "not a number");
  std::string text = LiteralText(literal);
  const bool negative = !text.empty() && text[0] == '-';
  const std::string body = negative ? text.substr(1) : text;
  const size_t point = body.find('.');
  std::string whole = body.substr(0, point);
  std::string fraction = point == std::string::npos ? "" : body.substr(point + 1);
  const auto all_digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction)) {
    return Bad(column, type, "'" + text + "' is not a decimal number");
  }
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  if (fraction.size() > type.scale) {
    return Bad(
        column, type,
        "'" + text + "' has more than " + std::to_string(type.scale) + " digits after the point");
  }
  if (whole.size() > static_cast<size_t>(type.precision - type.scale)) {
    return Bad(column, type, "'" + text + "' does not fit");
  }
  fraction.append(type.scale - fraction.size(), '0');
  std::string normalized = (whole.empty() ? "0" : whole) + (type.scale > 0 ? "." + fraction : "");
  const bool zero = normalized.find_first_not_of("0.") == std::string::npos;
  return Value{.kind = Value::Kind::kDecimal, .text = (negative && !zero ? "-" : "") + normalized};
}

Result<Value> ToEmbedding(const catalog::DataType& type, const Value& literal,
                          std::string_view column) {
  Value list{.kind = Value::Kind::kList};
  if (literal.kind == Value::Kind::kList) {
    for (const Value& child : literal.children) {
      KALAM_ASSIGN_OR_RETURN(Value number, ToFloating({.kind = Kind::kFloat}, child, column));
      list.children.push_back(number);
    }
  } else if (literal.kind == Value::Kind::kText || literal.kind == Value::Kind::kJson) {
    boost::system::error_code error;
    const boost::json::value parsed = boost::json::parse(literal.text, error);
    if (error || !parsed.is_array()) return Bad(column, type, "expected a JSON array of numbers");
    for (const boost::json::value& item : parsed.as_array()) {
      if (!item.is_number()) return Bad(column, type, "expected a JSON array of numbers");
      list.children.push_back(Value::Double(item.to_number<double>()));
    }
  } else {
    return Bad(column, type, "expected a JSON array of numbers");
  }
  if (list.children.size() != type.dimension) {
    return Bad(column, type,
               "expected " + std::to_string(type.dimension) + " numbers, got " +
                   std::to_string(list.children.size()));
  }
  return list;
}

// Values that are already temporal (e.g. now() evaluated by the engine) convert directly.
std::optional<Value> FromTypedTemporal(const catalog::DataType& type, const Value& literal) {
  constexpr int64_t kMicrosPerDay = 86400000000;
  const bool timestamp_column = type.kind == Kind::kTimestamp || type.kind == Kind::kDateTime;
  if (literal.kind == Value::Kind::kTimestamp) {
    if (timestamp_column) return literal;
    if (type.kind == Kind::kDate) {
      const int64_t floor =
          literal.integer / kMicrosPerDay - (literal.integer % kMicrosPerDay < 0 ? 1 : 0);
      return Value{.kind = Value::Kind::kDate, .integer = floor};
    }
  }
  if (literal.kind == Value::Kind::kDate) {
    if (type.kind == Kind::kDate) return literal;
    if (timestamp_column) {
      return Value{.kind = Value::Kind::kTimestamp, .integer = literal.integer * kMicrosPerDay};
    }
  }
  if (literal.kind == Value::Kind::kTime && type.kind == Kind::kTime) return literal;
  return std::nullopt;
}

// An integer given for a TIMESTAMP/DATETIME column is milliseconds since the Unix epoch (as
// the original KalamDB and most JavaScript clients send them). nullopt for a non-integer.
std::optional<Result<Value>> FromEpochMillis(const catalog::DataType& type, const Value& literal,
                                             std::string_view column) {
  if (type.kind != Kind::kTimestamp && type.kind != Kind::kDateTime) return std::nullopt;
  int64_t millis = 0;
  if (literal.kind == Value::Kind::kInt32 || literal.kind == Value::Kind::kInt64) {
    millis = literal.integer;
  } else if (literal.kind == Value::Kind::kDecimal) {
    const std::string& text = literal.text;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), millis);
    if (end != text.data() + text.size()) return std::nullopt;  // 1.5, 1e3: not an integer
    if (error != std::errc()) return Result<Value>(Bad(column, type, "out of range"));
  } else {
    return std::nullopt;
  }
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000;
  if (millis > kLimit || millis < -kLimit) return Result<Value>(Bad(column, type, "out of range"));
  return Result<Value>(Value{.kind = Value::Kind::kTimestamp, .integer = millis * 1000});
}

Result<Value> ToTemporal(const catalog::DataType& type, const Value& literal,
                         std::string_view column) {
  if (std::optional<Value> typed = FromTypedTemporal(type, literal)) return *typed;
  if (std::optional<Result<Value>> epoch = FromEpochMillis(type, literal, column)) {
    return *std::move(epoch);
  }
  if (literal.kind != Value::Kind::kText) {
    const bool timestamp = type.kind == Kind::kTimestamp || type.kind == Kind::kDateTime;
    return Bad(column, type,
               timestamp ? "expected an ISO-8601 string or integer epoch milliseconds"
                         : "expected an ISO-8601 string");
  }
  const std::string_view text = literal.text;
  size_t pos = 0;
  if (type.kind == Kind::kTime) {
    int64_t micros = 0;
    if (!ParseTime(text, pos, micros) || pos != text.size()) {
      return Bad(column, type, "'" + literal.text + "' is not HH:MM:SS[.ffffff]");
    }
    return Value{.kind = Value::Kind::kTime, .integer = micros};
  }
  if (type.kind == Kind::kDate) {
    int64_t days = 0;
    if (!ParseDate(text, pos, days) || pos != text.size()) {
      return Bad(column, type, "'" + literal.text + "' is not YYYY-MM-DD");
    }
    return Value{.kind = Value::Kind::kDate, .integer = days};
  }
  Result<int64_t> micros = ParseTimestampMicros(text);
  if (!micros.ok()) return Bad(column, type, micros.status().message());
  return Value{.kind = Value::Kind::kTimestamp, .integer = *micros};
}

}  // namespace

namespace {
// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void CivilFromDays(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

}  // namespace

std::string FormatDate(int64_t days) {
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  CivilFromDays(days, year, month, day);
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

std::string FormatTime(int64_t micros) {
  return fmt::format("{:02}:{:02}:{:02}.{:06}", micros / 3600000000, micros / 60000000 % 60,
                     micros / 1000000 % 60, micros % 1000000);
}

std::string FormatTimestampMicros(int64_t micros) {
  constexpr int64_t kMicrosPerDay = 86400000000;
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  return FormatDate(days) + "T" + FormatTime(rest) + "Z";
}

Result<int64_t> ParseTimestampMicros(std::string_view text) {
  size_t pos = 0;
  int64_t days = 0;
  int64_t time = 0;
  int64_t offset = 0;
  const auto invalid = Status::InvalidArgument(
      "'" + std::string(text) + "' is not an ISO-8601 timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z])");
  if (!ParseDate(text, pos, days)) return invalid;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return invalid;
    ++pos;
    if (!ParseTime(text, pos, time) || !ParseOffset(text, pos, offset)) return invalid;
  }
  return days * 86400000000 + time - offset;
}

size_t CharacterLength(std::string_view utf8) {
  // Every byte except UTF-8 continuation bytes (10xxxxxx) starts a character.
  return static_cast<size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

Status CheckColumnValue(const catalog::ColumnDefinition& column, const Value& value) {
  if (value.kind == Value::Kind::kNull) {
    return column.nullable
               ? Status()
               : Status::NotNullViolation("column '" + column.name + "' cannot be NULL");
  }
  if (value.kind != Value::Kind::kText) return Status();
  return CheckLength(column.type, value.text, column.name);
}

Result<Value> CoerceValue(const catalog::DataType& type, const Value& literal,
                          std::string_view column) {
  if (literal.kind == Value::Kind::kNull) return Value::Null();
  switch (type.kind) {
    case Kind::kBoolean: {
      if (literal.kind == Value::Kind::kBoolean) return literal;
      std::string text = LiteralText(literal);
      for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (text == "true" || text == "1") return Value::Boolean(true);
      if (text == "false" || text == "0") return Value::Boolean(false);
      return Bad(column, type, "'" + LiteralText(literal) + "' is not a boolean");
    }
    case Kind::kSmallInt:
    case Kind::kInt:
    case Kind::kBigInt:
      return ToInteger(type, literal, column);
    case Kind::kFloat:
    case Kind::kDouble:
      return ToFloating(type, literal, column);
    case Kind::kDecimal:
      return ToDecimal(type, literal, column);
    case Kind::kText: {
      if (literal.kind == Value::Kind::kList || literal.kind == Value::Kind::kStruct) {
        return Bad(column, type, "expected a string");
      }
      Value text = Value::Text(LiteralText(literal));
      KALAM_RETURN_IF_ERROR(CheckLength(type, text.text, column));
      return text;
    }
    case Kind::kJson: {
      const std::string text = LiteralText(literal);
      boost::system::error_code error;
      (void)boost::json::parse(text, error);
      if (error) return Bad(column, type, "not valid JSON: " + error.message());
      return Value::Json(text);
    }
    case Kind::kUuid: {
      if (literal.kind != Value::Kind::kText || !IsCanonicalUuid(literal.text)) {
        return Bad(column, type, "'" + LiteralText(literal) + "' is not a UUID (8-4-4-4-12 hex)");
      }
      std::string lower = literal.text;
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return Value::Text(lower);
    }
    case Kind::kBytes:
      if (literal.kind != Value::Kind::kText && literal.kind != Value::Kind::kBytes) {
        return Bad(column, type, "expected a string of bytes");
      }
      return Value{.kind = Value::Kind::kBytes, .text = literal.text};
    case Kind::kDate:
    case Kind::kTime:
    case Kind::kTimestamp:
    case Kind::kDateTime:
      return ToTemporal(type, literal, column);
    case Kind::kEmbedding:
      return ToEmbedding(type, literal, column);
  }
  return Bad(column, type, "unsupported type");
}

}  // namespace kalam::tables

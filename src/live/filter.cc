#include "live/filter.h"

#include <locale.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cwctype>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/nearest_name.h"

namespace kalam::live {

__extension__ using Int128 = __int128;

namespace {

using sql::Token;

// ---------------------------------------------------------------------------------------
// Static types: what DuckDB binds each expression to.

enum class Ty : uint8_t {
  kNull,  // the NULL literal (takes the type of what it meets)
  kBool,
  kSmallInt,
  kInt,
  kBigInt,
  kIntLiteral,  // an integer literal that fits INTEGER (DuckDB's INTEGER_LITERAL)
  kFloat,
  kDouble,
  kDecimal,
  kText,
  kStringLiteral,  // a string literal (cast to what it is compared with)
  kDate,
  kTimestamp,
  kTime,
  kUuid,
  kOpaque,  // JSON, BLOB, embeddings: only IS [NOT] NULL
};

struct Type {
  Ty ty = Ty::kNull;
  uint8_t width = 0;             // kDecimal
  uint8_t scale = 0;             // kDecimal
  bool fits_smallint = false;    // kIntLiteral
  const char* opaque_name = "";  // kOpaque

  bool operator==(const Type& other) const {
    return ty == other.ty && width == other.width && scale == other.scale;
  }
};

bool IsInteger(Ty t) {
  return t == Ty::kSmallInt || t == Ty::kInt || t == Ty::kBigInt || t == Ty::kIntLiteral;
}
bool IsNumeric(Ty t) {
  return IsInteger(t) || t == Ty::kFloat || t == Ty::kDouble || t == Ty::kDecimal;
}
bool IsFloating(Ty t) {
  return t == Ty::kFloat || t == Ty::kDouble;
}

std::string TypeName(const Type& type) {
  switch (type.ty) {
    case Ty::kNull:
      return "NULL";
    case Ty::kBool:
      return "BOOLEAN";
    case Ty::kSmallInt:
      return "SMALLINT";
    case Ty::kInt:
    case Ty::kIntLiteral:
      return "INTEGER";
    case Ty::kBigInt:
      return "BIGINT";
    case Ty::kFloat:
      return "FLOAT";
    case Ty::kDouble:
      return "DOUBLE";
    case Ty::kDecimal:
      return "DECIMAL(" + std::to_string(type.width) + "," + std::to_string(type.scale) + ")";
    case Ty::kText:
      return "VARCHAR";
    case Ty::kStringLiteral:
      return "string literal";
    case Ty::kDate:
      return "DATE";
    case Ty::kTimestamp:
      return "TIMESTAMP";
    case Ty::kTime:
      return "TIME";
    case Ty::kUuid:
      return "UUID";
    case Ty::kOpaque:
      return std::string(type.opaque_name);
  }
  return "?";
}

// Digits of an integer type when DuckDB widens it to a DECIMAL.
uint8_t DecimalDigits(const Type& type) {
  switch (type.ty) {
    case Ty::kSmallInt:
      return 5;
    case Ty::kInt:
    case Ty::kIntLiteral:
      return 10;
    case Ty::kBigInt:
      return 19;
    case Ty::kDecimal:
      return type.width;
    default:
      return 0;
  }
}
uint8_t DecimalScale(const Type& type) {
  return type.ty == Ty::kDecimal ? type.scale : 0;
}

constexpr uint8_t kMaxDecimalWidth = 38;

Int128 Pow10(int n) {
  Int128 result = 1;
  for (int i = 0; i < n; ++i)
    result *= 10;
  return result;
}

Type TypeOfColumn(const catalog::DataType& type) {
  using Kind = catalog::DataType::Kind;
  switch (type.kind) {
    case Kind::kBoolean:
      return {.ty = Ty::kBool};
    case Kind::kSmallInt:
      return {.ty = Ty::kSmallInt};
    case Kind::kInt:
      return {.ty = Ty::kInt};
    case Kind::kBigInt:
      return {.ty = Ty::kBigInt};
    case Kind::kFloat:
      return {.ty = Ty::kFloat};
    case Kind::kDouble:
      return {.ty = Ty::kDouble};
    case Kind::kDecimal:
      return {.ty = Ty::kDecimal, .width = type.precision, .scale = type.scale};
    case Kind::kText:
      return {.ty = Ty::kText};
    case Kind::kUuid:
      return {.ty = Ty::kUuid};
    case Kind::kDate:
      return {.ty = Ty::kDate};
    case Kind::kTime:
      return {.ty = Ty::kTime};
    case Kind::kTimestamp:
    case Kind::kDateTime:
      return {.ty = Ty::kTimestamp};
    case Kind::kJson:
      return {.ty = Ty::kOpaque, .opaque_name = "JSON"};
    case Kind::kBytes:
      return {.ty = Ty::kOpaque, .opaque_name = "BYTES"};
    case Kind::kEmbedding:
      break;
  }
  return {.ty = Ty::kOpaque, .opaque_name = "EMBEDDING"};
}

// ---------------------------------------------------------------------------------------
// Run-time values.

enum class State : uint8_t { kValue, kNull, kError };

// One evaluated expression. Which member holds the value follows the static type: b for
// BOOLEAN; i for integers, DECIMAL (scaled by 10^scale), DATE (days), TIMESTAMP and TIME
// (microseconds); d for FLOAT and DOUBLE; s for text and UUID.
struct Datum {
  State state = State::kNull;
  bool b = false;
  Int128 i = 0;
  double d = 0;
  std::string_view s;

  static Datum Null() { return {}; }
  static Datum Error() { return {.state = State::kError}; }
  static Datum Bool(bool v) { return {.state = State::kValue, .b = v}; }
  static Datum Int(Int128 v) { return {.state = State::kValue, .i = v}; }
  static Datum Double(double v) { return {.state = State::kValue, .d = v}; }
  static Datum Text(std::string_view v) { return {.state = State::kValue, .s = v}; }
  bool ok() const { return state == State::kValue; }
};

// ---------------------------------------------------------------------------------------
// The compiled program: a tree of nodes, children before parents.

enum class Op : uint8_t {
  kColumn,
  kConst,
  kConvert,  // children[0] from type `from` to the node's type
  kNegate,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kCompare,  // children[0] `cmp` children[1], both of type `from`
  kIn,       // children[0] IN (children[1..]), all of type `from`
  kLike,     // children[0] LIKE children[1]
  kAnd,
  kOr,
  kNot,
  kIsNull,
  kIsTrue,
  kIsFalse,
  kDistinct,        // children[0] IS DISTINCT FROM children[1], both of type `from`
  kConstantOrNull,  // NULL if children[0] is NULL, else `negated`
};

enum class Cmp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

struct Node {
  Op op = Op::kConst;
  Type type;  // the result type
  Type from;  // kConvert: the child's type; comparisons: the operands' common type
  Cmp cmp = Cmp::kEq;
  bool negated = false;           // kIn, kLike, kIsNull, kIsTrue, kIsFalse, kDistinct
  bool case_insensitive = false;  // kLike
  char32_t escape = 0;            // kLike; 0: none
  size_t column = 0;              // kColumn
  Datum constant;                 // kConst (s points into text)
  std::string text;               // kConst: the text of a string constant
  std::vector<uint32_t> children;
  bool constant_only = false;  // reads no column
  size_t height = 0;           // of the subtree: 0 for a leaf
};

}  // namespace

struct Filter::Program {
  std::vector<Node> nodes;
  uint32_t root = 0;
};

namespace {

// ---------------------------------------------------------------------------------------
// Conversions, as DuckDB casts.

template <typename F>
F DecimalToFloating(Int128 value, uint8_t scale) {
  // DuckDB: exact integers divide by the power of ten; others add the fraction separately.
  constexpr Int128 kExact = static_cast<Int128>(1) << std::numeric_limits<F>::digits;
  const F power = static_cast<F>(std::pow(10.0, scale));
  if (scale == 0 || (value <= kExact && value >= -kExact)) return static_cast<F>(value) / power;
  const Int128 p = Pow10(scale);
  // NOLINTNEXTLINE(bugprone-integer-division): the whole part, as DuckDB splits it
  return static_cast<F>(value / p) + static_cast<F>(value % p) / power;
}

// Converts a value of type `from` to type `to` (a conversion Compile allowed).
Datum Convert(const Datum& in, const Type& from, const Type& to) {
  if (!in.ok()) return in;
  if (from.ty == Ty::kNull) return Datum::Null();
  switch (to.ty) {
    case Ty::kDecimal: {
      const int up = to.scale - DecimalScale(from);
      Int128 value = in.i;
      if (up > 0) value *= Pow10(up);
      const Int128 limit = Pow10(to.width);
      if (value >= limit || value <= -limit) return Datum::Error();
      return Datum::Int(value);
    }
    case Ty::kDouble:
      if (from.ty == Ty::kFloat || from.ty == Ty::kDouble) return in;
      if (from.ty == Ty::kDecimal)
        return Datum::Double(DecimalToFloating<double>(in.i, from.scale));
      return Datum::Double(static_cast<double>(in.i));
    case Ty::kFloat:
      if (from.ty == Ty::kFloat) return in;
      if (from.ty == Ty::kDecimal) return Datum::Double(DecimalToFloating<float>(in.i, from.scale));
      return Datum::Double(static_cast<float>(in.i));
    case Ty::kTimestamp:
      if (from.ty == Ty::kDate) return Datum::Int(in.i * 86400000000);
      return in;
    default:
      return in;  // integers widen without change of value
  }
}

// ---------------------------------------------------------------------------------------
// Parsing string literals into typed constants (strictly: a form DuckDB also reads the same
// way, or a refusal).

bool ReadDigits(std::string_view text, size_t& pos, size_t count, int64_t& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::optional<int64_t> ParseDate(std::string_view text, size_t& pos) {
  int64_t year = 0, month = 0, day = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, day)) {
    return std::nullopt;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return std::nullopt;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day < 1 || day > kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

// HH:MM[:SS[.f…]] with at most 6 fraction digits.
std::optional<int64_t> ParseTime(std::string_view text, size_t& pos) {
  int64_t hour = 0, minute = 0, second = 0, fraction = 0;
  if (!ReadDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
      !ReadDigits(text, pos, 2, minute)) {
    return std::nullopt;
  }
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!ReadDigits(text, pos, 2, second)) return std::nullopt;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      size_t digits = 0;
      for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits)
        fraction = fraction * 10 + (text[pos] - '0');
      if (digits == 0 || digits > 6) return std::nullopt;
      for (size_t i = digits; i < 6; ++i)
        fraction *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return ((hour * 60 + minute) * 60 + second) * 1000000 + fraction;
}

// [+-]digits[.digits] → the value scaled to `scale` digits; nullopt when malformed, when it
// has more fraction digits than `scale` or more than `max_digits` integer digits.
std::optional<Int128> ParseExactNumber(std::string_view text, uint8_t scale, int max_digits) {
  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) ++pos;
  Int128 value = 0;
  int integer_digits = 0, fraction_digits = 0;
  bool any = false, point = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (point) {
      if (++fraction_digits > scale) return std::nullopt;
    } else if (integer_digits > 0 || c != '0') {
      if (++integer_digits > max_digits) return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  if (!any) return std::nullopt;
  value *= Pow10(scale - fraction_digits);
  return negative ? -value : value;
}

bool IsHex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// The string literal `text` as a constant of type `to`; nullopt if it is not one.
std::optional<Datum> ParseLiteralAs(std::string_view text, const Type& to, std::string& storage) {
  switch (to.ty) {
    case Ty::kBool: {
      std::string lower(text);
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "true") return Datum::Bool(true);
      if (lower == "false") return Datum::Bool(false);
      return std::nullopt;
    }
    case Ty::kSmallInt:
    case Ty::kInt:
    case Ty::kIntLiteral:
    case Ty::kBigInt: {
      std::optional<Int128> value = ParseExactNumber(text, 0, 19);
      if (!value || text.find('.') != std::string_view::npos) return std::nullopt;
      const Int128 max = to.ty == Ty::kSmallInt ? std::numeric_limits<int16_t>::max()
                         : to.ty == Ty::kBigInt ? std::numeric_limits<int64_t>::max()
                                                : std::numeric_limits<int32_t>::max();
      if (*value > max || *value < -max - 1) return std::nullopt;
      return Datum::Int(*value);
    }
    case Ty::kDecimal: {
      std::optional<Int128> value = ParseExactNumber(text, to.scale, to.width - to.scale);
      if (!value) return std::nullopt;
      return Datum::Int(*value);
    }
    case Ty::kFloat:
    case Ty::kDouble: {
      // Plain decimal or exponent notation only (no inf/nan/hex, no spaces).
      size_t pos = text.starts_with('-') ? 1 : 0;
      size_t digits = 0;
      for (; pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) ||
                                   text[pos] == '.' || text[pos] == 'e' || text[pos] == 'E' ||
                                   ((text[pos] == '-' || text[pos] == '+') &&
                                    (text[pos - 1] == 'e' || text[pos - 1] == 'E')));
           ++pos) {
        digits += std::isdigit(static_cast<unsigned char>(text[pos])) ? 1 : 0;
      }
      if (pos != text.size() || digits == 0) return std::nullopt;
      const char* end = text.data() + text.size();
      if (to.ty == Ty::kFloat) {
        float value = 0;
        const auto [ptr, error] = std::from_chars(text.data(), end, value);
        if (error != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
        return Datum::Double(value);
      }
      double value = 0;
      const auto [ptr, error] = std::from_chars(text.data(), end, value);
      if (error != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
      return Datum::Double(value);
    }
    case Ty::kText:
      storage = std::string(text);
      return Datum::Text(storage);
    case Ty::kUuid: {
      if (text.size() != 36) return std::nullopt;
      storage.clear();
      for (size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !IsHex(text[i])) return std::nullopt;
        storage.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
      }
      return Datum::Text(storage);
    }
    case Ty::kDate: {
      size_t pos = 0;
      std::optional<int64_t> days = ParseDate(text, pos);
      if (!days || pos != text.size()) return std::nullopt;
      return Datum::Int(*days);
    }
    case Ty::kTimestamp: {
      size_t pos = 0;
      std::optional<int64_t> days = ParseDate(text, pos);
      if (!days) return std::nullopt;
      int64_t micros = 0;
      if (pos < text.size()) {
        if (text[pos] != ' ' && text[pos] != 'T') return std::nullopt;
        ++pos;
        std::optional<int64_t> time = ParseTime(text, pos);
        if (!time) return std::nullopt;
        micros = *time;
      }
      if (pos != text.size()) return std::nullopt;
      return Datum::Int(static_cast<Int128>(*days) * 86400000000 + micros);
    }
    case Ty::kTime: {
      size_t pos = 0;
      std::optional<int64_t> time = ParseTime(text, pos);
      if (!time || pos != text.size()) return std::nullopt;
      return Datum::Int(*time);
    }
    default:
      return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------
// LIKE, on Unicode code points ('_' is one character), as DuckDB matches it.

// Decodes the UTF-8 character at `pos` (a lone invalid byte reads as itself).
char32_t NextCodePoint(std::string_view text, size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (length == 1 || pos + length > text.size()) {
    ++pos;
    return lead;
  }
  char32_t cp = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i)
    cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  pos += length;
  return cp;
}

// Lower case for ILIKE: ASCII directly, other letters by the C library's Unicode tables
// (simple one-to-one mappings, as DuckDB's utf8proc applies them).
char32_t FoldCase(char32_t cp) {
  if (cp < 0x80) return static_cast<char32_t>(std::tolower(static_cast<int>(cp)));
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  if (utf8 == static_cast<locale_t>(nullptr)) return cp;
  return static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), utf8));
}

struct PatternItem {
  enum Kind : uint8_t { kChar, kAnyOne, kAnyRun } kind;
  char32_t cp = 0;
};

// nullopt: the pattern ends with the escape character (an error in DuckDB).
std::optional<std::vector<PatternItem>> ParsePattern(std::string_view pattern, char32_t escape,
                                                     bool fold) {
  std::vector<PatternItem> items;
  size_t pos = 0;
  while (pos < pattern.size()) {
    char32_t cp = NextCodePoint(pattern, pos);
    if (escape != 0 && cp == escape) {
      if (pos >= pattern.size()) return std::nullopt;
      cp = NextCodePoint(pattern, pos);
      items.push_back({PatternItem::kChar, fold ? FoldCase(cp) : cp});
    } else if (cp == '%') {
      if (items.empty() || items.back().kind != PatternItem::kAnyRun)
        items.push_back({PatternItem::kAnyRun});
    } else if (cp == '_') {
      items.push_back({PatternItem::kAnyOne});
    } else {
      items.push_back({PatternItem::kChar, fold ? FoldCase(cp) : cp});
    }
  }
  return items;
}

bool LikeMatch(std::string_view value, const std::vector<PatternItem>& pattern, bool fold) {
  std::vector<char32_t> text;
  text.reserve(value.size());
  for (size_t pos = 0; pos < value.size();) {
    const char32_t cp = NextCodePoint(value, pos);
    text.push_back(fold ? FoldCase(cp) : cp);
  }
  // Greedy matching, backtracking to the last '%'.
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p].kind == PatternItem::kAnyRun) {
      star_p = p++;
      star_t = t;
    } else if (p < pattern.size() &&
               (pattern[p].kind == PatternItem::kAnyOne || pattern[p].cp == text[t])) {
      ++p;
      ++t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p].kind == PatternItem::kAnyRun)
    ++p;
  return p == pattern.size();
}

// ---------------------------------------------------------------------------------------
// Evaluation.

int CompareFloating(double a, double b) {  // DuckDB: NaN equals NaN and sorts above all
  const bool a_nan = std::isnan(a), b_nan = std::isnan(b);
  if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
  return a < b ? -1 : (a > b ? 1 : 0);
}

// REQUIRES: both values present, of type `type`.
int CompareValues(const Datum& a, const Datum& b, const Type& type) {
  switch (type.ty) {
    case Ty::kBool:
      return static_cast<int>(a.b) - static_cast<int>(b.b);
    case Ty::kFloat:
    case Ty::kDouble:
      return CompareFloating(a.d, b.d);
    case Ty::kText:
    case Ty::kUuid: {
      const int c = a.s.compare(b.s);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    default:
      return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
}

bool CompareResult(Cmp cmp, int c) {
  switch (cmp) {
    case Cmp::kEq:
      return c == 0;
    case Cmp::kNe:
      return c != 0;
    case Cmp::kLt:
      return c < 0;
    case Cmp::kLe:
      return c <= 0;
    case Cmp::kGt:
      return c > 0;
    case Cmp::kGe:
      return c >= 0;
  }
  return false;
}

Int128 IntegerMax(Ty ty) {
  switch (ty) {
    case Ty::kSmallInt:
      return std::numeric_limits<int16_t>::max();
    case Ty::kBigInt:
      return std::numeric_limits<int64_t>::max();
    default:
      return std::numeric_limits<int32_t>::max();
  }
}

Datum ColumnDatum(const Value& value, const Type& type) {
  if (value.kind == Value::Kind::kNull) return Datum::Null();
  switch (type.ty) {
    case Ty::kBool:
      if (value.kind != Value::Kind::kBoolean) return Datum::Error();
      return Datum::Bool(value.boolean);
    case Ty::kSmallInt:
    case Ty::kInt:
    case Ty::kBigInt:
    case Ty::kDate:
    case Ty::kTimestamp:
    case Ty::kTime:
      return Datum::Int(value.integer);
    case Ty::kFloat:
    case Ty::kDouble:
      if (value.kind != Value::Kind::kDouble) return Datum::Error();
      return Datum::Double(value.number);
    case Ty::kDecimal: {
      std::optional<Int128> parsed = ParseExactNumber(value.text, type.scale, type.width);
      if (!parsed) return Datum::Error();
      return Datum::Int(*parsed);
    }
    case Ty::kText:
    case Ty::kUuid:
      return Datum::Text(value.text);
    default:
      return Datum::Text("");  // opaque values are only tested for NULL
  }
}

class Evaluator {
 public:
  Evaluator(const std::vector<Node>& nodes, std::span<const Value> row)
      : nodes_(nodes), row_(row) {}

  Datum Eval(uint32_t index) const {
    const Node& node = nodes_[index];
    switch (node.op) {
      case Op::kColumn:
        return ColumnDatum(row_[node.column], node.type);
      case Op::kConst: {
        Datum d = node.constant;
        if (node.type.ty == Ty::kText || node.type.ty == Ty::kUuid) d.s = node.text;
        return d;
      }
      case Op::kConvert:
        return Convert(Eval(node.children[0]), node.from, node.type);
      case Op::kNegate:
        return Negate(node, Eval(node.children[0]));
      case Op::kAdd:
      case Op::kSub:
      case Op::kMul:
      case Op::kDiv:
      case Op::kMod:
        return Arithmetic(node, Eval(node.children[0]), Eval(node.children[1]));
      case Op::kCompare: {
        const Datum a = Eval(node.children[0]);
        const Datum b = Eval(node.children[1]);
        if (a.state == State::kError || b.state == State::kError) return Datum::Error();
        if (!a.ok() || !b.ok()) return Datum::Null();
        return Datum::Bool(CompareResult(node.cmp, CompareValues(a, b, node.from)));
      }
      case Op::kDistinct: {
        const Datum a = Eval(node.children[0]);
        const Datum b = Eval(node.children[1]);
        if (a.state == State::kError || b.state == State::kError) return Datum::Error();
        bool distinct = a.ok() != b.ok();
        if (a.ok() && b.ok()) distinct = CompareValues(a, b, node.from) != 0;
        return Datum::Bool(distinct != node.negated);
      }
      case Op::kIn:
        return In(node);
      case Op::kLike:
        return Like(node);
      case Op::kAnd:
      case Op::kOr:
        return Connective(node);
      case Op::kNot: {
        const Datum a = Eval(node.children[0]);
        return a.ok() ? Datum::Bool(!a.b) : a;
      }
      case Op::kIsNull: {
        const Datum a = Eval(node.children[0]);
        if (a.state == State::kError) return a;
        return Datum::Bool((a.state == State::kNull) != node.negated);
      }
      case Op::kConstantOrNull: {
        const Datum a = Eval(node.children[0]);
        return a.ok() ? Datum::Bool(node.negated) : a;
      }
      case Op::kIsTrue:
      case Op::kIsFalse: {
        const Datum a = Eval(node.children[0]);
        if (a.state == State::kError) return a;
        const bool is = a.ok() && a.b == (node.op == Op::kIsTrue);
        return Datum::Bool(is != node.negated);
      }
    }
    return Datum::Error();
  }

 private:
  Datum Negate(const Node& node, const Datum& a) const {
    if (!a.ok()) return a;
    if (IsFloating(node.type.ty)) return Datum::Double(-a.d);
    if (node.type.ty != Ty::kDecimal && a.i == -IntegerMax(node.type.ty) - 1) return Datum::Error();
    return Datum::Int(-a.i);
  }

  static Datum Arithmetic(const Node& node, const Datum& a, const Datum& b) {
    if (a.state == State::kError || b.state == State::kError) return Datum::Error();
    if (!a.ok() || !b.ok()) return Datum::Null();
    const Ty ty = node.type.ty;
    if (ty == Ty::kFloat) {
      const auto x = static_cast<float>(a.d), y = static_cast<float>(b.d);
      switch (node.op) {
        case Op::kAdd:
          return Datum::Double(x + y);
        case Op::kSub:
          return Datum::Double(x - y);
        case Op::kMul:
          return Datum::Double(x * y);
        case Op::kDiv:
          return Datum::Double(x / y);
        default:
          return Datum::Double(std::fmod(x, y));
      }
    }
    if (ty == Ty::kDouble) {
      switch (node.op) {
        case Op::kAdd:
          return Datum::Double(a.d + b.d);
        case Op::kSub:
          return Datum::Double(a.d - b.d);
        case Op::kMul:
          return Datum::Double(a.d * b.d);
        case Op::kDiv:
          return Datum::Double(a.d / b.d);
        default:
          return Datum::Double(std::fmod(a.d, b.d));
      }
    }
    Int128 result = 0;
    switch (node.op) {
      case Op::kAdd:
        result = a.i + b.i;  // operands are at most 38 digits: no Int128 overflow
        break;
      case Op::kSub:
        result = a.i - b.i;
        break;
      case Op::kMul:
        if (__builtin_mul_overflow(a.i, b.i, &result)) return Datum::Error();
        break;
      default:  // kMod, integers only
        if (b.i == 0) return Datum::Null();
        if (b.i == -1) {  // DuckDB reports MIN % -1 as an overflow
          if (a.i == -IntegerMax(ty) - 1) return Datum::Error();
          return Datum::Int(0);
        }
        return Datum::Int(a.i % b.i);
    }
    if (ty == Ty::kDecimal) {
      const Int128 limit = Pow10(node.type.width);
      if (result >= limit || result <= -limit) return Datum::Error();
    } else if (result > IntegerMax(ty) || result < -IntegerMax(ty) - 1) {
      return Datum::Error();
    }
    return Datum::Int(result);
  }

  Datum In(const Node& node) const {
    const Datum x = Eval(node.children[0]);
    if (x.state == State::kError) return x;
    if (!x.ok()) return Datum::Null();
    State missing = State::kValue;  // kValue: every item compared unequal
    for (size_t i = 1; i < node.children.size(); ++i) {
      const Datum item = Eval(node.children[i]);
      if (item.ok()) {
        if (CompareValues(x, item, node.from) == 0) return Datum::Bool(!node.negated);
      } else if (item.state == State::kError) {
        missing = State::kError;
      } else if (missing == State::kValue) {
        missing = State::kNull;
      }
    }
    if (missing == State::kValue) return Datum::Bool(node.negated);
    return missing == State::kError ? Datum::Error() : Datum::Null();
  }

  Datum Like(const Node& node) const {
    const Datum value = Eval(node.children[0]);
    const Datum pattern = Eval(node.children[1]);
    if (value.state == State::kError || pattern.state == State::kError) return Datum::Error();
    if (!value.ok() || !pattern.ok()) return Datum::Null();
    std::optional<std::vector<PatternItem>> items =
        ParsePattern(pattern.s, node.escape, node.case_insensitive);
    if (!items) return Datum::Error();
    return Datum::Bool(LikeMatch(value.s, *items, node.case_insensitive) != node.negated);
  }

  // AND: FALSE wins over everything (DuckDB does not evaluate past it, so an error there
  // does not count); then an error; then NULL. OR likewise with TRUE.
  Datum Connective(const Node& node) const {
    const bool dominant = node.op == Op::kOr;
    State rest = State::kValue;
    for (const uint32_t child : node.children) {
      const Datum d = Eval(child);
      if (d.ok()) {
        if (d.b == dominant) return d;
      } else if (d.state == State::kError) {
        rest = State::kError;
      } else if (rest == State::kValue) {
        rest = State::kNull;
      }
    }
    if (rest == State::kValue) return Datum::Bool(!dominant);
    return rest == State::kError ? Datum::Error() : Datum::Null();
  }

  const std::vector<Node>& nodes_;
  std::span<const Value> row_;
};

// ---------------------------------------------------------------------------------------
// The compiler: a recursive-descent parser with DuckDB's operator precedence (lowest first:
// OR, AND, NOT, IS, comparisons, BETWEEN/IN/LIKE/ILIKE, + -, * / %, unary minus) that types
// every expression as it builds it.

struct Expr {
  uint32_t node = 0;
  Type type;
};

class Compiler {
 public:
  Compiler(std::span<const Token> tokens, std::span<const catalog::ColumnDefinition> columns,
           std::span<const Value> params, std::vector<Node>& nodes)
      : tokens_(tokens), columns_(columns), params_(params), nodes_(nodes) {}

  Result<Expr> CompileCondition() {
    if (tokens_.empty()) return SyntaxErrorAt(Peek(), "expected a condition");
    KALAM_ASSIGN_OR_RETURN(Expr e, ParseOr());
    if (Peek().kind != Token::Kind::kEnd) return Unexpected(Peek());
    if (too_deep_) {
      return Status::LimitExceeded("the live query's WHERE condition is too deeply nested (" +
                                   std::to_string(kMaxHeight) + " levels of operators at most)");
    }
    if (constant_error_) {
      return Status::InvalidArgument(
          "a part of the condition that reads no column fails (an overflow, or a number that "
          "does not fit the DECIMAL it is compared or computed with)");
    }
    if (e.type.ty != Ty::kBool && e.type.ty != Ty::kNull) {
      return Status::TypeMismatch("the WHERE condition must be BOOLEAN, not " + TypeName(e.type));
    }
    return e;
  }

  std::vector<size_t> referenced_columns;

 private:
  // --- tokens

  const Token& Peek(size_t ahead = 0) const {
    static const Token end_of_input{.kind = Token::Kind::kEnd};
    const size_t i = pos_ + ahead;
    if (i < tokens_.size()) return tokens_[i];
    if (!tokens_.empty()) {
      end_token_.position = tokens_.back().position + tokens_.back().text.size();
      return end_token_;
    }
    return end_of_input;
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < tokens_.size()) ++pos_;
    return t;
  }
  bool Accept(std::string_view keyword) {
    if (!Peek().Is(keyword)) return false;
    ++pos_;
    return true;
  }
  bool AcceptSymbol(std::string_view symbol) {
    if (!Peek().IsSymbol(symbol)) return false;
    ++pos_;
    return true;
  }

  static Status SyntaxErrorAt(const Token& token, std::string_view what) {
    return Status::SyntaxError("syntax error at position " + std::to_string(token.position + 1) +
                               ": " + std::string(what));
  }
  static Status Unexpected(const Token& token) {
    return SyntaxErrorAt(token, "unexpected " + token.Describe());
  }
  static Status Unsupported(std::string_view what) {
    return Status::UnsupportedQuery("live queries do not support " + std::string(what));
  }
  Status Expect(std::string_view keyword) {
    if (Accept(keyword)) return Status();
    return SyntaxErrorAt(Peek(),
                         "expected " + std::string(keyword) + ", found " + Peek().Describe());
  }
  Status ExpectSymbol(std::string_view symbol) {
    if (AcceptSymbol(symbol)) return Status();
    return SyntaxErrorAt(Peek(),
                         "expected '" + std::string(symbol) + "', found " + Peek().Describe());
  }

  // Depth of the parser's recursion (parentheses, NOT, unary minus), bounded so that a
  // hostile condition cannot overflow the stack here or in the evaluator.
  class DepthGuard {
   public:
    explicit DepthGuard(size_t& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    size_t& depth_;
  };
  Status CheckDepth() const {
    if (depth_ <= Filter::kMaxDepth) return Status();
    return Status::LimitExceeded("the live query's WHERE condition is nested more than " +
                                 std::to_string(Filter::kMaxDepth) + " levels deep");
  }

  // --- nodes

  // Adds a node. DuckDB evaluates a part of the condition that reads no column while it
  // binds, and refuses the query if that fails (an overflow, a value that does not fit a
  // DECIMAL): so does this compiler.
  uint32_t Add(Node node) {
    bool constant = node.op == Op::kConst;
    if (node.op != Op::kColumn && !node.children.empty()) {
      constant = std::all_of(node.children.begin(), node.children.end(),
                             [&](uint32_t child) { return nodes_[child].constant_only; });
    }
    node.constant_only = constant;
    for (const uint32_t child : node.children)
      node.height = std::max(node.height, nodes_[child].height + 1);
    too_deep_ = too_deep_ || node.height > kMaxHeight;
    nodes_.push_back(std::move(node));
    const auto index = static_cast<uint32_t>(nodes_.size() - 1);
    if (constant && nodes_[index].op != Op::kConst &&
        Evaluator(nodes_, {}).Eval(index).state == State::kError) {
      constant_error_ = true;
    }
    return index;
  }
  Expr Constant(Datum value, Type type, std::string text = "") {
    Node node{.op = Op::kConst, .type = type, .constant = value, .text = std::move(text)};
    return {Add(std::move(node)), type};
  }
  Expr Make(Op op, Type type, std::vector<uint32_t> children, Type from = {}) {
    Node node{.op = op, .type = type, .from = from, .children = std::move(children)};
    return {Add(std::move(node)), type};
  }

  // --- types

  static Status Mismatch(const Type& a, const Type& b, std::string_view what) {
    return Status::TypeMismatch("cannot " + std::string(what) + " " + TypeName(a) + " and " +
                                TypeName(b));
  }

  // The type DuckDB casts both operands of a comparison to.
  static Result<Type> CommonType(const Type& a, const Type& b, std::string_view what) {
    // NULL takes the other type, but makes a string literal a VARCHAR (as DuckDB does).
    if (a.ty == Ty::kNull) return b.ty == Ty::kStringLiteral ? Type{.ty = Ty::kText} : b;
    if (b.ty == Ty::kNull) return a.ty == Ty::kStringLiteral ? Type{.ty = Ty::kText} : a;
    if (a.ty == Ty::kOpaque || b.ty == Ty::kOpaque) {
      return Unsupported("comparing " + TypeName(a.ty == Ty::kOpaque ? a : b) + " values");
    }
    if (a.ty == Ty::kStringLiteral && b.ty == Ty::kStringLiteral) return Type{.ty = Ty::kText};
    if (a.ty == Ty::kStringLiteral || b.ty == Ty::kStringLiteral) {
      const Type& other = a.ty == Ty::kStringLiteral ? b : a;
      return other.ty == Ty::kIntLiteral ? Type{.ty = Ty::kInt} : other;
    }
    if (IsNumeric(a.ty) && IsNumeric(b.ty)) return NumericType(a, b);
    if (a.ty == b.ty) return a;
    const auto temporal = [](Ty t) { return t == Ty::kDate || t == Ty::kTimestamp; };
    if (temporal(a.ty) && temporal(b.ty)) return Type{.ty = Ty::kTimestamp};
    return Mismatch(a, b, what);
  }

  // REQUIRES: both numeric. DOUBLE over FLOAT over DECIMAL over integers.
  static Result<Type> NumericType(const Type& a, const Type& b) {
    if (a.ty == Ty::kDouble || b.ty == Ty::kDouble) return Type{.ty = Ty::kDouble};
    if (a.ty == Ty::kFloat || b.ty == Ty::kFloat) return Type{.ty = Ty::kFloat};
    if (a.ty == Ty::kDecimal || b.ty == Ty::kDecimal) {
      const int scale = std::max(DecimalScale(a), DecimalScale(b));
      const int digits =
          std::max(DecimalDigits(a) - DecimalScale(a), DecimalDigits(b) - DecimalScale(b));
      return Type{.ty = Ty::kDecimal,
                  .width = static_cast<uint8_t>(std::min<int>(digits + scale, kMaxDecimalWidth)),
                  .scale = static_cast<uint8_t>(scale)};
    }
    return IntegerType(a, b);
  }

  static Type IntegerType(const Type& a, const Type& b) {
    if (a.ty == Ty::kIntLiteral && b.ty == Ty::kIntLiteral) return {.ty = Ty::kInt};
    if (a.ty == Ty::kIntLiteral || b.ty == Ty::kIntLiteral) {
      const Type& literal = a.ty == Ty::kIntLiteral ? a : b;
      const Type& other = a.ty == Ty::kIntLiteral ? b : a;
      if (other.ty == Ty::kSmallInt && !literal.fits_smallint) return {.ty = Ty::kInt};
      return other;
    }
    const auto rank = [](Ty t) { return t == Ty::kSmallInt ? 0 : t == Ty::kInt ? 1 : 2; };
    return rank(a.ty) >= rank(b.ty) ? a : b;
  }

  // `e` as a value of type `to` (a type CommonType or the arithmetic rules chose).
  Result<Expr> Coerce(const Expr& e, const Type& to) {
    if (e.type == to && e.type.ty != Ty::kStringLiteral) return e;
    const Node& node = nodes_[e.node];
    if (e.type.ty == Ty::kNull) return Constant(Datum::Null(), to);
    if (e.type.ty == Ty::kStringLiteral) {
      std::string storage;
      const std::string literal = node.text;
      std::optional<Datum> value = ParseLiteralAs(literal, to, storage);
      if (!value) {
        return Status::TypeMismatch("cannot compare " + TypeName(to) + " with '" + literal +
                                    "': not a " + TypeName(to) + " value in the form " +
                                    "live queries read");
      }
      return Constant(*value, to, std::move(storage));
    }
    if (IsInteger(e.type.ty) && IsInteger(to.ty)) return Expr{e.node, to};
    return Make(Op::kConvert, to, {e.node}, e.type);
  }

  // --- grammar

  Result<Expr> ParseOr() {
    KALAM_ASSIGN_OR_RETURN(Expr first, ParseAnd());
    if (!Peek().Is("OR")) return first;
    std::vector<uint32_t> children;
    KALAM_RETURN_IF_ERROR(CheckBoolean(first, "OR"));
    children.push_back(first.node);
    while (Accept("OR")) {
      KALAM_ASSIGN_OR_RETURN(Expr next, ParseAnd());
      KALAM_RETURN_IF_ERROR(CheckBoolean(next, "OR"));
      children.push_back(next.node);
    }
    return Make(Op::kOr, {.ty = Ty::kBool}, std::move(children));
  }

  Result<Expr> ParseAnd() {
    KALAM_ASSIGN_OR_RETURN(Expr first, ParseNot());
    if (!Peek().Is("AND")) return first;
    std::vector<uint32_t> children;
    KALAM_RETURN_IF_ERROR(CheckBoolean(first, "AND"));
    children.push_back(first.node);
    while (Accept("AND")) {
      KALAM_ASSIGN_OR_RETURN(Expr next, ParseNot());
      KALAM_RETURN_IF_ERROR(CheckBoolean(next, "AND"));
      children.push_back(next.node);
    }
    return Make(Op::kAnd, {.ty = Ty::kBool}, std::move(children));
  }

  static Status CheckBoolean(const Expr& e, std::string_view where) {
    if (e.type.ty == Ty::kBool || e.type.ty == Ty::kNull) return Status();
    return Status::TypeMismatch("the operands of " + std::string(where) + " must be BOOLEAN, not " +
                                TypeName(e.type));
  }

  Result<Expr> ParseNot() {
    if (!Peek().Is("NOT")) return ParseIs();
    Next();
    DepthGuard guard(depth_);
    KALAM_RETURN_IF_ERROR(CheckDepth());
    KALAM_ASSIGN_OR_RETURN(Expr operand, ParseNot());
    KALAM_RETURN_IF_ERROR(CheckBoolean(operand, "NOT"));
    return Make(Op::kNot, {.ty = Ty::kBool}, {operand.node});
  }

  Result<Expr> ParseIs() {
    KALAM_ASSIGN_OR_RETURN(Expr e, ParseComparison());
    while (Peek().Is("IS")) {
      Next();
      const bool negated = Accept("NOT");
      const Token& what = Peek();
      if (Accept("NULL")) {
        Node node{
            .op = Op::kIsNull, .type = {.ty = Ty::kBool}, .negated = negated, .children = {e.node}};
        e = {Add(std::move(node)), {.ty = Ty::kBool}};
      } else if (what.Is("TRUE") || what.Is("FALSE")) {
        Next();
        KALAM_RETURN_IF_ERROR(CheckBoolean(
            e, "IS " + std::string(negated ? "NOT " : "") + (what.Is("TRUE") ? "TRUE" : "FALSE")));
        Node node{.op = what.Is("TRUE") ? Op::kIsTrue : Op::kIsFalse,
                  .type = {.ty = Ty::kBool},
                  .negated = negated,
                  .children = {e.node}};
        e = {Add(std::move(node)), {.ty = Ty::kBool}};
      } else if (Accept("DISTINCT")) {
        KALAM_RETURN_IF_ERROR(Expect("FROM"));
        KALAM_ASSIGN_OR_RETURN(Expr right, ParseComparison());
        KALAM_ASSIGN_OR_RETURN(const Type common,
                               CommonType(e.type, right.type, "compare (IS DISTINCT FROM)"));
        KALAM_ASSIGN_OR_RETURN(const Expr l, Coerce(e, common));
        KALAM_ASSIGN_OR_RETURN(const Expr r, Coerce(right, common));
        e = Comparison(Op::kDistinct, Cmp::kEq, negated, common, l, r);
      } else if (what.Is("UNKNOWN")) {
        return Unsupported("IS UNKNOWN; write IS NULL");
      } else {
        return SyntaxErrorAt(
            what, "expected NULL, TRUE, FALSE or DISTINCT FROM after IS, found " + what.Describe());
      }
    }
    return e;
  }

  std::optional<Cmp> PeekComparison() const {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kOperator) return std::nullopt;
    if (t.text == "=" || t.text == "==") return Cmp::kEq;
    if (t.text == "<>" || t.text == "!=") return Cmp::kNe;
    if (t.text == "<") return Cmp::kLt;
    if (t.text == "<=") return Cmp::kLe;
    if (t.text == ">") return Cmp::kGt;
    if (t.text == ">=") return Cmp::kGe;
    return std::nullopt;
  }

  Result<Expr> ParseComparison() {
    KALAM_ASSIGN_OR_RETURN(Expr left, ParsePredicate());
    const std::optional<Cmp> cmp = PeekComparison();
    if (!cmp) return left;
    Next();
    if (Peek().Is("ANY") || Peek().Is("ALL") || Peek().Is("SOME")) {
      return Unsupported("comparisons with ANY/ALL/SOME");
    }
    KALAM_ASSIGN_OR_RETURN(Expr right, ParsePredicate());
    if (PeekComparison()) return Unexpected(Peek());  // comparisons do not chain
    return Compare(*cmp, left, right);
  }

  Result<Expr> Compare(Cmp cmp, const Expr& left, const Expr& right) {
    KALAM_ASSIGN_OR_RETURN(const Type common, CommonType(left.type, right.type, "compare"));
    KALAM_ASSIGN_OR_RETURN(const Expr l, Coerce(left, common));
    KALAM_ASSIGN_OR_RETURN(const Expr r, Coerce(right, common));
    return Comparison(Op::kCompare, cmp, false, common, l, r);
  }

  static Cmp Flip(Cmp cmp) {
    switch (cmp) {
      case Cmp::kLt:
        return Cmp::kGt;
      case Cmp::kLe:
        return Cmp::kGe;
      case Cmp::kGt:
        return Cmp::kLt;
      case Cmp::kGe:
        return Cmp::kLe;
      default:
        return cmp;
    }
  }

  bool IsNullConstant(const Expr& e) const {
    const Node& node = nodes_[e.node];
    return node.op == Op::kConst && node.constant.state == State::kNull;
  }

  // A comparison (op kCompare, or kDistinct for IS [NOT] DISTINCT FROM) of `l` and `r`, both
  // of type `common`, simplified as DuckDB's optimizer does before it runs the query, since
  // that changes which rows raise errors:
  //  - a comparison with the NULL literal is NULL (its other side is never evaluated);
  //  - an integer `x + c`, `x - c`, `c - x` or `x * c` compared with a constant moves the
  //    constant across (`x + 1 > 5` becomes `x > 4`, without the overflow of x + 1), with
  //    DuckDB's exact rules for constants out of range and for products that do not divide.
  Expr Comparison(Op op, Cmp cmp, bool negated, const Type& common, Expr l, Expr r) {
    const Type boolean{.ty = Ty::kBool};
    if (op == Op::kCompare && (IsNullConstant(l) || IsNullConstant(r))) {
      return Constant(Datum::Null(), boolean);
    }
    for (;;) {
      const bool outer_left = nodes_[l.node].constant_only;
      const Expr& outer = outer_left ? l : r;
      const Expr& arithmetic = outer_left ? r : l;
      const Node& a = nodes_[arithmetic.node];
      if (!nodes_[outer.node].constant_only || a.constant_only ||
          (a.op != Op::kAdd && a.op != Op::kSub && a.op != Op::kMul) || !IsInteger(a.type.ty) ||
          !IsInteger(common.ty)) {
        break;
      }
      const bool inner_left = nodes_[a.children[0]].constant_only;
      if (!inner_left && !nodes_[a.children[1]].constant_only) break;
      const Datum outer_value = Evaluator(nodes_, {}).Eval(outer.node);
      const Datum inner_value = Evaluator(nodes_, {}).Eval(a.children[inner_left ? 0 : 1]);
      if (!outer_value.ok() || !inner_value.ok()) break;
      const Int128 o = outer_value.i, in = inner_value.i;
      // Arithmetic narrower than the comparison: DuckDB drops the widening cast when the
      // constant fits the narrower type, and then moves the constant in that type.
      const Int128 max = IntegerMax(a.type.ty);
      if (o > max || o < -max - 1) break;
      const Expr x{a.children[inner_left ? 1 : 0], nodes_[a.children[inner_left ? 1 : 0]].type};
      const bool equal = op == Op::kCompare && cmp == Cmp::kEq;
      Int128 moved = 0;
      bool fits = true;
      if (a.op == Op::kAdd) {
        moved = o - in;
      } else if (a.op == Op::kSub) {
        moved = inner_left ? in - o : o + in;
      } else {
        if (in == 0) break;
        if (o % in != 0) {
          if (equal) return ConstantOrNull(x, false);
          if (op == Op::kCompare && cmp == Cmp::kNe) return ConstantOrNull(x, true);
          break;
        }
        moved = o / in;
      }
      fits = moved <= max && moved >= -max - 1;
      if (!fits) {
        if (a.op == Op::kMul || equal) return ConstantOrNull(x, false);
        break;
      }
      if ((a.op == Op::kSub && inner_left) || (a.op == Op::kMul && in < 0)) cmp = Flip(cmp);
      const Expr constant = Constant(Datum::Int(moved), a.type);
      l = outer_left ? constant : x;
      r = outer_left ? x : constant;
    }
    Node node{.op = op,
              .type = boolean,
              .from = common,
              .cmp = cmp,
              .negated = negated,
              .children = {l.node, r.node}};
    return Expr{Add(std::move(node)), boolean};
  }

  // `value`, or NULL when `x` is NULL (DuckDB's constant_or_null).
  Expr ConstantOrNull(const Expr& x, bool value) {
    Node node{.op = Op::kConstantOrNull,
              .type = {.ty = Ty::kBool},
              .negated = value,
              .children = {x.node}};
    return Expr{Add(std::move(node)), {.ty = Ty::kBool}};
  }

  static bool IsPredicateWord(const Token& t) {
    return t.Is("IN") || t.Is("LIKE") || t.Is("ILIKE") || t.Is("BETWEEN") || t.Is("SIMILAR") ||
           t.Is("GLOB");
  }

  Result<Expr> ParsePredicate() {
    KALAM_ASSIGN_OR_RETURN(Expr left, ParseAdditive());
    const bool negated = Peek().Is("NOT") && IsPredicateWord(Peek(1));
    if (!negated && !IsPredicateWord(Peek())) {
      if (Peek().Is("ISNULL") || Peek().Is("NOTNULL"))
        return Unsupported(Peek().text + "; write IS [NOT] NULL");
      if (Peek().Is("COLLATE")) return Unsupported("COLLATE");
      return left;
    }
    if (negated) Next();
    const Token& word = Next();
    Result<Expr> result = left;
    if (word.Is("IN")) {
      result = ParseIn(left, negated);
    } else if (word.Is("LIKE") || word.Is("ILIKE")) {
      result = ParseLike(left, negated, word.Is("ILIKE"));
    } else if (word.Is("BETWEEN")) {
      result = ParseBetween(left, negated);
    } else {
      return Unsupported(word.Is("GLOB") ? "GLOB" : "SIMILAR TO");
    }
    if (result.ok() &&
        (IsPredicateWord(Peek()) || (Peek().Is("NOT") && IsPredicateWord(Peek(1))))) {
      return Unexpected(Peek());  // IN, LIKE and BETWEEN do not chain
    }
    return result;
  }

  Result<Expr> ParseIn(const Expr& left, bool negated) {
    if (!Peek().IsSymbol("(")) return SyntaxErrorAt(Peek(), "expected '(' after IN");
    if (Peek(1).Is("SELECT") || Peek(1).Is("WITH") || Peek(1).Is("FROM"))
      return Unsupported("subqueries");
    Next();
    std::vector<Expr> items;
    Type common = left.type;
    do {
      if (items.size() >= Filter::kMaxInListItems) {
        return Status::LimitExceeded("an IN list of a live query holds at most " +
                                     std::to_string(Filter::kMaxInListItems) + " items");
      }
      KALAM_ASSIGN_OR_RETURN(Expr item, ParseAdditive());
      KALAM_ASSIGN_OR_RETURN(common, CommonType(common, item.type, "compare (IN)"));
      items.push_back(item);
    } while (AcceptSymbol(","));
    KALAM_RETURN_IF_ERROR(ExpectSymbol(")"));
    // DuckDB types an IN by all its operands: string literals take the type of the others.
    for (const Expr& item : items) {
      if (item.type.ty != Ty::kStringLiteral && item.type.ty != Ty::kNull) {
        KALAM_ASSIGN_OR_RETURN(common, CommonType(common, item.type, "compare (IN)"));
      }
    }
    if (common.ty == Ty::kStringLiteral) common = {.ty = Ty::kText};
    KALAM_ASSIGN_OR_RETURN(const Expr x, Coerce(left, common));
    std::vector<uint32_t> children{x.node};
    for (const Expr& item : items) {
      KALAM_ASSIGN_OR_RETURN(const Expr converted, Coerce(item, common));
      children.push_back(converted.node);
    }
    Node node{.op = Op::kIn,
              .type = {.ty = Ty::kBool},
              .from = common,
              .negated = negated,
              .children = std::move(children)};
    return Expr{Add(std::move(node)), {.ty = Ty::kBool}};
  }

  Result<Expr> ParseBetween(const Expr& x, bool negated) {
    if (Peek().Is("SYMMETRIC") || Peek().Is("ASYMMETRIC")) return Unsupported("BETWEEN SYMMETRIC");
    KALAM_ASSIGN_OR_RETURN(Expr low, ParseAdditive());
    KALAM_RETURN_IF_ERROR(Expect("AND"));
    KALAM_ASSIGN_OR_RETURN(Expr high, ParseAdditive());
    KALAM_ASSIGN_OR_RETURN(Type common, CommonType(x.type, low.type, "compare (BETWEEN)"));
    KALAM_ASSIGN_OR_RETURN(common, CommonType(common, high.type, "compare (BETWEEN)"));
    if (common.ty == Ty::kStringLiteral) common = {.ty = Ty::kText};
    KALAM_ASSIGN_OR_RETURN(const Expr cx, Coerce(x, common));
    KALAM_ASSIGN_OR_RETURN(const Expr cl, Coerce(low, common));
    KALAM_ASSIGN_OR_RETURN(const Expr ch, Coerce(high, common));
    const Expr lower = Make(Op::kCompare, {.ty = Ty::kBool}, {cx.node, cl.node}, common);
    nodes_[lower.node].cmp = Cmp::kGe;
    const Expr upper = Make(Op::kCompare, {.ty = Ty::kBool}, {cx.node, ch.node}, common);
    nodes_[upper.node].cmp = Cmp::kLe;
    const Expr both = Make(Op::kAnd, {.ty = Ty::kBool}, {lower.node, upper.node});
    if (!negated) return both;
    return Make(Op::kNot, {.ty = Ty::kBool}, {both.node});
  }

  static bool IsTextual(Ty t) {
    return t == Ty::kText || t == Ty::kStringLiteral || t == Ty::kNull;
  }

  Result<Expr> ParseLike(const Expr& value, bool negated, bool case_insensitive) {
    const std::string_view name = case_insensitive ? "ILIKE" : "LIKE";
    KALAM_ASSIGN_OR_RETURN(Expr pattern, ParseAdditive());
    if (!IsTextual(value.type.ty) || !IsTextual(pattern.type.ty)) {
      return Status::TypeMismatch(std::string(name) + " compares VARCHAR values, not " +
                                  TypeName(IsTextual(value.type.ty) ? pattern.type : value.type));
    }
    char32_t escape = 0;
    if (Accept("ESCAPE")) {
      const Token& t = Next();
      if (t.kind != Token::Kind::kString) {
        return Unsupported("an ESCAPE that is not a string literal");
      }
      size_t pos = 0;
      if (!t.text.empty()) escape = NextCodePoint(t.text, pos);
      if (pos != t.text.size()) {
        return Status::InvalidArgument("the ESCAPE of " + std::string(name) +
                                       " must be empty or one character");
      }
      if (escape == '%' || escape == '_' || (case_insensitive && std::iswalpha(escape))) {
        return Unsupported("'" + t.text + "' as the ESCAPE character of " + std::string(name));
      }
    }
    const Type text{.ty = Ty::kText};
    KALAM_ASSIGN_OR_RETURN(const Expr v, Coerce(value, text));
    KALAM_ASSIGN_OR_RETURN(const Expr p, Coerce(pattern, text));
    const Node& pattern_node = nodes_[p.node];
    if (pattern_node.op == Op::kConst && pattern_node.constant.ok() &&
        !ParsePattern(pattern_node.text, escape, false)) {
      return Status::InvalidArgument(std::string(name) +
                                     " pattern must not end with the escape character");
    }
    Node node{.op = Op::kLike,
              .type = {.ty = Ty::kBool},
              .negated = negated,
              .case_insensitive = case_insensitive,
              .escape = escape,
              .children = {v.node, p.node}};
    return Expr{Add(std::move(node)), {.ty = Ty::kBool}};
  }

  Result<Expr> ParseAdditive() {
    KALAM_ASSIGN_OR_RETURN(Expr left, ParseMultiplicative());
    for (;;) {
      const Token& t = Peek();
      if (t.kind != Token::Kind::kOperator || (t.text != "+" && t.text != "-")) break;
      Next();
      KALAM_ASSIGN_OR_RETURN(Expr right, ParseMultiplicative());
      KALAM_ASSIGN_OR_RETURN(left, Arithmetic(t.text == "+" ? Op::kAdd : Op::kSub, left, right));
    }
    return CheckOperator(left);
  }

  Result<Expr> ParseMultiplicative() {
    KALAM_ASSIGN_OR_RETURN(Expr left, ParseUnary());
    for (;;) {
      const Token& t = Peek();
      if (t.kind != Token::Kind::kOperator || (t.text != "*" && t.text != "/" && t.text != "%")) {
        break;
      }
      Next();
      KALAM_ASSIGN_OR_RETURN(Expr right, ParseUnary());
      const Op op = t.text == "*" ? Op::kMul : t.text == "/" ? Op::kDiv : Op::kMod;
      KALAM_ASSIGN_OR_RETURN(left, Arithmetic(op, left, right));
    }
    return left;
  }

  // Any operator left after an arithmetic operand is one live queries do not evaluate.
  Result<Expr> CheckOperator(const Expr& e) const {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kOperator && !PeekComparison()) {
      return Unsupported("the operator " + t.text);
    }
    if (t.IsSymbol("::")) return Unsupported("CAST and ::");
    if (t.IsSymbol("[")) return Unsupported("subscripts ([ ])");
    return e;
  }

  static const char* OpName(Op op) {
    switch (op) {
      case Op::kAdd:
        return "+";
      case Op::kSub:
        return "-";
      case Op::kMul:
        return "*";
      case Op::kDiv:
        return "/";
      default:
        return "%";
    }
  }

  Result<Expr> Arithmetic(Op op, const Expr& left, const Expr& right) {
    for (const Expr* e : {&left, &right}) {
      const Ty t = e->type.ty;
      if (t == Ty::kStringLiteral) return Unsupported("arithmetic on string literals");
      if (t == Ty::kDate || t == Ty::kTimestamp || t == Ty::kTime) {
        return Unsupported("arithmetic on " + TypeName(e->type) + " values");
      }
      if (!IsNumeric(t) && t != Ty::kNull) {
        return Status::TypeMismatch(std::string("cannot apply ") + OpName(op) + " to " +
                                    TypeName(e->type));
      }
    }
    if (left.type.ty == Ty::kNull || right.type.ty == Ty::kNull) {
      Type type = left.type.ty == Ty::kNull ? right.type : left.type;
      if (type.ty == Ty::kNull || type.ty == Ty::kIntLiteral) type = {.ty = Ty::kInt};
      if (op == Op::kDiv && !IsFloating(type.ty)) type = {.ty = Ty::kDouble};
      return Constant(Datum::Null(), type);
    }
    Type type;
    const bool decimal = left.type.ty == Ty::kDecimal || right.type.ty == Ty::kDecimal;
    KALAM_ASSIGN_OR_RETURN(const Type numeric, NumericType(left.type, right.type));
    if (op == Op::kDiv) {
      type = IsFloating(numeric.ty) ? numeric : Type{.ty = Ty::kDouble};
    } else if (op == Op::kMod && decimal && !IsFloating(numeric.ty)) {
      return Unsupported("% on DECIMAL values");
    } else if (numeric.ty == Ty::kDecimal && op == Op::kMul) {
      // DuckDB: digits and scales add up; 18 digits stay 64-bit (checked), at most 38.
      const int lw = DecimalDigits(left.type), rw = DecimalDigits(right.type);
      const int scale = DecimalScale(left.type) + DecimalScale(right.type);
      int width = lw + rw;
      if (scale > kMaxDecimalWidth) {
        return Status::TypeMismatch("the product of " + TypeName(left.type) + " and " +
                                    TypeName(right.type) + " needs a scale above 38");
      }
      if (width > 18 && lw <= 18 && rw <= 18 && scale < 18) width = 18;
      width = std::min<int>(width, kMaxDecimalWidth);
      const Type result{.ty = Ty::kDecimal,
                        .width = static_cast<uint8_t>(width),
                        .scale = static_cast<uint8_t>(scale)};
      // Each operand as a DECIMAL of its own scale.
      KALAM_ASSIGN_OR_RETURN(const Expr l, Coerce(left, {.ty = Ty::kDecimal,
                                                         .width = static_cast<uint8_t>(lw),
                                                         .scale = DecimalScale(left.type)}));
      KALAM_ASSIGN_OR_RETURN(const Expr r, Coerce(right, {.ty = Ty::kDecimal,
                                                          .width = static_cast<uint8_t>(rw),
                                                          .scale = DecimalScale(right.type)}));
      return Make(op, result, {l.node, r.node});
    } else if (numeric.ty == Ty::kDecimal) {
      // DuckDB: one digit more than the widest operand needs; past 18 digits only when an
      // operand is already wider (else 18, checked), and at most 38.
      const int scale = numeric.scale;
      const int digits = std::max(DecimalDigits(left.type) - DecimalScale(left.type),
                                  DecimalDigits(right.type) - DecimalScale(right.type));
      const int max_width = std::max(DecimalDigits(left.type), DecimalDigits(right.type));
      int width = std::max(digits + scale, max_width) + 1;
      if (width > 18 && max_width <= 18) width = 18;
      type = {.ty = Ty::kDecimal,
              .width = static_cast<uint8_t>(std::min<int>(width, kMaxDecimalWidth)),
              .scale = static_cast<uint8_t>(scale)};
    } else {
      type = numeric;
      if (type.ty == Ty::kIntLiteral) type = {.ty = Ty::kInt};
    }
    KALAM_ASSIGN_OR_RETURN(const Expr l, Coerce(left, type));
    KALAM_ASSIGN_OR_RETURN(const Expr r, Coerce(right, type));
    return Make(op, type, {l.node, r.node});
  }

  Result<Expr> ParseUnary() {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kOperator || (t.text != "-" && t.text != "+")) {
      if (t.kind == Token::Kind::kOperator && t.text == "~") return Unsupported("the operator ~");
      return ParsePrimary();
    }
    Next();
    DepthGuard guard(depth_);
    KALAM_RETURN_IF_ERROR(CheckDepth());
    const bool minus = t.text == "-";
    // DuckDB reads a minus sign before a number as part of the literal.
    if (minus && Peek().kind == Token::Kind::kNumber) return NumberLiteral(Next(), true);
    KALAM_ASSIGN_OR_RETURN(Expr operand, ParseUnary());
    if (!IsNumeric(operand.type.ty) && operand.type.ty != Ty::kNull) {
      return Status::TypeMismatch("cannot apply unary " + t.text + " to " + TypeName(operand.type));
    }
    if (!minus || operand.type.ty == Ty::kNull) return operand;
    const Node& node = nodes_[operand.node];
    if (node.op == Op::kConst && operand.type.ty == Ty::kIntLiteral) {
      return Constant(Datum::Int(-node.constant.i), operand.type);
    }
    const Type type = operand.type.ty == Ty::kIntLiteral ? Type{.ty = Ty::kInt} : operand.type;
    return Make(Op::kNegate, type, {operand.node});
  }

  Result<Expr> NumberLiteral(const Token& t, bool negative) {
    const std::string& text = t.text;
    if (text.find_first_of("eE") != std::string::npos) {
      double value = 0;
      const auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || ptr != text.data() + text.size()) {
        return Unsupported("the number " + text);
      }
      return Constant(Datum::Double(negative ? -value : value), {.ty = Ty::kDouble});
    }
    const size_t point = text.find('.');
    if (point == std::string::npos) {
      std::optional<Int128> value = ParseExactNumber(text, 0, 19);
      if (!value ||
          *value > static_cast<Int128>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0)) {
        return Unsupported("integer literals beyond BIGINT (" + text + ")");
      }
      const Int128 v = negative ? -*value : *value;
      // INTEGER_LITERAL when the digits fit INTEGER (before the sign is applied).
      if (*value <= std::numeric_limits<int32_t>::max()) {
        return Constant(Datum::Int(v), {.ty = Ty::kIntLiteral,
                                        .fits_smallint = v >= std::numeric_limits<int16_t>::min() &&
                                                         v <= std::numeric_limits<int16_t>::max()});
      }
      return Constant(Datum::Int(v), {.ty = Ty::kBigInt});
    }
    // DECIMAL(digits, fraction digits), leading zeros included; DOUBLE beyond 38 digits.
    const size_t digits = text.size() - 1;
    const size_t scale = text.size() - point - 1;
    if (digits > kMaxDecimalWidth) {
      return Unsupported("decimal literals of more than 38 digits (" + text + ")");
    }
    std::optional<Int128> value =
        ParseExactNumber(text, static_cast<uint8_t>(scale), kMaxDecimalWidth);
    if (!value) return Unexpected(t);
    const auto width = static_cast<uint8_t>(std::max<size_t>(digits, 1));
    return Constant(Datum::Int(negative ? -*value : *value),
                    {.ty = Ty::kDecimal, .width = width, .scale = static_cast<uint8_t>(scale)});
  }

  Result<Expr> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Token::Kind::kNumber:
        Next();
        return NumberLiteral(t, false);
      case Token::Kind::kString:
        Next();
        return Constant(Datum::Text(""), {.ty = Ty::kStringLiteral}, t.text);
      case Token::Kind::kParameter:
        Next();
        return Parameter(t);
      case Token::Kind::kQuotedName:
        Next();
        return ColumnOrCall(t);
      case Token::Kind::kWord:
        return Word();
      case Token::Kind::kSymbol:
        if (t.IsSymbol("(")) return Parenthesized();
        if (t.IsSymbol("[")) return Unsupported("list literals ([ ])");
        if (t.IsSymbol("{")) return Unsupported("struct literals ({ })");
        return Unexpected(t);
      case Token::Kind::kOperator:
        if (t.text == "*") return Unsupported("* in a condition");
        return Unexpected(t);
      case Token::Kind::kEnd:
        return SyntaxErrorAt(t, "unexpected end of input");
    }
    return Unexpected(t);
  }

  Result<Expr> Parenthesized() {
    const Token& open = Next();
    if (Peek().Is("SELECT") || Peek().Is("WITH") || Peek().Is("FROM") || Peek().Is("VALUES")) {
      return Unsupported("subqueries");
    }
    DepthGuard guard(depth_);
    KALAM_RETURN_IF_ERROR(CheckDepth());
    KALAM_ASSIGN_OR_RETURN(Expr inner, ParseOr());
    if (Peek().IsSymbol(",")) return Unsupported("row values ((a, b))");
    if (!AcceptSymbol(")")) {
      return SyntaxErrorAt(Peek(), "expected ')' to close the '(' at position " +
                                       std::to_string(open.position + 1) + ", found " +
                                       Peek().Describe());
    }
    return inner;
  }

  Result<Expr> Parameter(const Token& t) {
    size_t n = 0;
    const auto [ptr, error] = std::from_chars(t.text.data() + 1, t.text.data() + t.text.size(), n);
    if (error != std::errc() || n == 0 || n > params_.size()) {
      return Status::InvalidArgument("parameter " + t.text + " has no value (" +
                                     std::to_string(params_.size()) + " given)");
    }
    const Value& value = params_[n - 1];
    switch (value.kind) {
      case Value::Kind::kNull:
        return Constant(Datum::Null(), {.ty = Ty::kNull});
      case Value::Kind::kBoolean:
        return Constant(Datum::Bool(value.boolean), {.ty = Ty::kBool});
      case Value::Kind::kInt32:
      case Value::Kind::kInt64: {
        const bool fits = value.integer >= std::numeric_limits<int32_t>::min() &&
                          value.integer <= std::numeric_limits<int32_t>::max();
        return Constant(Datum::Int(value.integer),
                        {.ty = fits ? Ty::kIntLiteral : Ty::kBigInt,
                         .fits_smallint = value.integer >= std::numeric_limits<int16_t>::min() &&
                                          value.integer <= std::numeric_limits<int16_t>::max()});
      }
      case Value::Kind::kDouble:
        return Constant(Datum::Double(value.number), {.ty = Ty::kDouble});
      case Value::Kind::kDecimal: {
        const Token number{.kind = Token::Kind::kNumber,
                           .text = value.text.starts_with('-') ? value.text.substr(1) : value.text,
                           .position = t.position};
        return NumberLiteral(number, value.text.starts_with('-'));
      }
      case Value::Kind::kText:
        return Constant(Datum::Text(""), {.ty = Ty::kStringLiteral}, value.text);
      case Value::Kind::kTimestamp:
        return Constant(Datum::Int(value.integer), {.ty = Ty::kTimestamp});
      case Value::Kind::kDate:
        return Constant(Datum::Int(value.integer), {.ty = Ty::kDate});
      case Value::Kind::kTime:
        return Constant(Datum::Int(value.integer), {.ty = Ty::kTime});
      default:
        return Unsupported("this type of value for parameter " + t.text);
    }
  }

  Result<Expr> Word() {
    const Token& t = Next();
    if (t.Is("TRUE") || t.Is("FALSE"))
      return Constant(Datum::Bool(t.Is("TRUE")), {.ty = Ty::kBool});
    if (t.Is("NULL")) return Constant(Datum::Null(), {.ty = Ty::kNull});
    if (t.Is("CASE")) return Unsupported("CASE");
    if (t.Is("EXISTS")) return Unsupported("subqueries (EXISTS)");
    if (t.Is("SELECT")) return Unsupported("subqueries");
    if (t.Is("CAST") || t.Is("TRY_CAST")) return Unsupported("CAST and ::");
    if (t.Is("INTERVAL")) return Unsupported("INTERVAL values");
    if (t.Is("NOT")) return SyntaxErrorAt(t, "NOT must start a condition; add parentheses");
    if ((t.Is("DATE") || t.Is("TIMESTAMP") || t.Is("TIME")) &&
        Peek().kind == Token::Kind::kString) {
      const Token& literal = Next();
      const Type type{.ty = t.Is("DATE") ? Ty::kDate : t.Is("TIME") ? Ty::kTime : Ty::kTimestamp};
      std::string storage;
      std::optional<Datum> value = ParseLiteralAs(literal.text, type, storage);
      if (!value) {
        return Status::TypeMismatch("'" + literal.text + "' is not a " + TypeName(type) +
                                    " in the form live queries read");
      }
      return Constant(*value, type);
    }
    static constexpr std::string_view kReserved[] = {
        "AND",     "OR",     "IS",    "IN",    "LIKE",  "ILIKE",  "BETWEEN",
        "WHERE",   "FROM",   "ORDER", "GROUP", "LIMIT", "HAVING", "WINDOW",
        "QUALIFY", "ESCAPE", "UNION", "ALL",   "ANY",   "SOME"};
    for (const std::string_view word : kReserved) {
      if (t.Is(word)) return Unexpected(t);
    }
    return ColumnOrCall(t);
  }

  Result<Expr> ColumnOrCall(const Token& name) {
    if (Peek().IsSymbol("(")) {
      std::string lower = name.text;
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      // A window function is still a function call to refuse; name it as the user wrote it.
      for (size_t depth = 0, i = pos_; i < tokens_.size(); ++i) {
        if (tokens_[i].IsSymbol("(")) ++depth;
        if (tokens_[i].IsSymbol(")") && --depth == 0) {
          if (i + 1 < tokens_.size() && tokens_[i + 1].Is("OVER")) {
            return Unsupported("window functions (" + lower + "() OVER …)");
          }
          break;
        }
      }
      return Unsupported("the function " + lower + "()");
    }
    if (Peek().IsSymbol(".")) {
      return Unsupported("qualified column names ('" + name.text + "." + Peek(1).text +
                         "'); name the column alone");
    }
    std::vector<std::string> names;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const std::string& column = columns_[i].name;
      if (column.size() == name.text.size() &&
          std::equal(column.begin(), column.end(), name.text.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        referenced_columns.push_back(i);
        Node node{.op = Op::kColumn, .type = TypeOfColumn(columns_[i].type), .column = i};
        const Type type = node.type;
        return Expr{Add(std::move(node)), type};
      }
      names.push_back(column);
    }
    std::string message = "column '" + name.text + "' does not exist";
    if (std::optional<std::string> nearest = NearestName(name.text, names)) {
      message += "; did you mean '" + *nearest + "'?";
    } else {
      message += "; the columns are:";
      for (size_t i = 0; i < names.size(); ++i)
        message += (i == 0 ? " " : ", ") + names[i];
    }
    return Status::ColumnNotFound(message);
  }

  std::span<const Token> tokens_;
  std::span<const catalog::ColumnDefinition> columns_;
  std::span<const Value> params_;
  std::vector<Node>& nodes_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  bool constant_error_ = false;
  bool too_deep_ = false;
  // The evaluator recurses once per level of the tree: a long chain such as a + a + … + a
  // (within kMaxTokens) is refused rather than risk the stack of a small thread.
  static constexpr size_t kMaxHeight = 4 * Filter::kMaxDepth;
  mutable Token end_token_{.kind = Token::Kind::kEnd};
};

}  // namespace

Result<Filter> Filter::Compile(std::span<const sql::Token> tokens,
                               std::span<const catalog::ColumnDefinition> columns,
                               std::span<const Value> params) {
  if (!tokens.empty() && tokens.back().kind == Token::Kind::kEnd) {
    tokens = tokens.first(tokens.size() - 1);
  }
  if (tokens.size() > kMaxTokens) {
    return Status::LimitExceeded("the WHERE condition of a live query has more than " +
                                 std::to_string(kMaxTokens) + " tokens");
  }
  auto program = std::make_shared<Program>();
  Compiler compiler(tokens, columns, params, program->nodes);
  KALAM_ASSIGN_OR_RETURN(const Expr root, compiler.CompileCondition());
  program->root = root.node;
  Filter filter;
  filter.program_ = std::move(program);
  filter.referenced_columns_ = std::move(compiler.referenced_columns);
  std::sort(filter.referenced_columns_.begin(), filter.referenced_columns_.end());
  filter.referenced_columns_.erase(
      std::unique(filter.referenced_columns_.begin(), filter.referenced_columns_.end()),
      filter.referenced_columns_.end());
  return filter;
}

Filter Filter::MatchAll() {
  return Filter();
}

bool Filter::Matches(std::span<const Value> row) const {
  if (program_ == nullptr) return true;
  const Datum result = Evaluator(program_->nodes, row).Eval(program_->root);
  return result.ok() && result.b;
}

}  // namespace kalam::live

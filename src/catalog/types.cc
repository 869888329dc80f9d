#include "catalog/types.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace kalam::catalog {
namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
}

struct TypeName {
  std::string_view name;
  DataType::Kind kind;
};

// Every accepted spelling (lower case). Types with arguments are handled separately.
constexpr std::array<TypeName, 30> kTypeNames = {{
    {"boolean", DataType::Kind::kBoolean},   {"bool", DataType::Kind::kBoolean},
    {"tinyint", DataType::Kind::kSmallInt},  {"smallint", DataType::Kind::kSmallInt},
    {"int2", DataType::Kind::kSmallInt},     {"int", DataType::Kind::kInt},
    {"integer", DataType::Kind::kInt},       {"int4", DataType::Kind::kInt},
    {"bigint", DataType::Kind::kBigInt},     {"int8", DataType::Kind::kBigInt},
    {"float", DataType::Kind::kFloat},       {"float4", DataType::Kind::kFloat},
    {"double", DataType::Kind::kDouble},     {"real", DataType::Kind::kDouble},
    {"float8", DataType::Kind::kDouble},     {"text", DataType::Kind::kText},
    {"varchar", DataType::Kind::kText},      {"char", DataType::Kind::kText},
    {"string", DataType::Kind::kText},       {"json", DataType::Kind::kJson},
    {"bytes", DataType::Kind::kBytes},       {"binary", DataType::Kind::kBytes},
    {"blob", DataType::Kind::kBytes},        {"bytea", DataType::Kind::kBytes},
    {"uuid", DataType::Kind::kUuid},         {"date", DataType::Kind::kDate},
    {"time", DataType::Kind::kTime},         {"timestamp", DataType::Kind::kTimestamp},
    {"datetime", DataType::Kind::kDateTime}, {"decimal", DataType::Kind::kDecimal},
}};

Status ArgumentError(std::string_view name, std::string_view expected) {
  return Status::InvalidArgument("invalid type " + std::string(name) + ": " +
                                 std::string(expected));
}

}  // namespace

std::string_view TableTypeName(TableType type) {
  switch (type) {
    case TableType::kUser:
      return "USER";
    case TableType::kShared:
      return "SHARED";
    case TableType::kStream:
      return "STREAM";
    case TableType::kSystem:
      return "SYSTEM";
  }
  return "?";
}

std::string_view AccessLevelName(AccessLevel level) {
  switch (level) {
    case AccessLevel::kPublic:
      return "PUBLIC";
    case AccessLevel::kPrivate:
      return "PRIVATE";
    case AccessLevel::kRestricted:
      return "RESTRICTED";
  }
  return "?";
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kUser:
      return "user";
    case Role::kService:
      return "service";
    case Role::kDba:
      return "dba";
    case Role::kSystem:
      return "system";
  }
  return "?";
}

std::optional<AccessLevel> ParseAccessLevel(std::string_view text) {
  const std::string lower = Lower(text);
  if (lower == "public") return AccessLevel::kPublic;
  if (lower == "private") return AccessLevel::kPrivate;
  if (lower == "restricted") return AccessLevel::kRestricted;
  return std::nullopt;
}

std::optional<Role> ParseRole(std::string_view text) {
  const std::string lower = Lower(text);
  if (lower == "dba" || lower == "admin") return Role::kDba;
  if (lower == "service" || lower == "developer" || lower == "analyst") return Role::kService;
  if (lower == "user" || lower == "viewer" || lower == "readonly") return Role::kUser;
  if (lower == "system") return Role::kSystem;
  return std::nullopt;
}

std::string DataType::ToSql() const {
  switch (kind) {
    case Kind::kBoolean:
      return "BOOLEAN";
    case Kind::kSmallInt:
      return "SMALLINT";
    case Kind::kInt:
      return "INT";
    case Kind::kBigInt:
      return "BIGINT";
    case Kind::kFloat:
      return "FLOAT";
    case Kind::kDouble:
      return "DOUBLE";
    case Kind::kDecimal:
      return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case Kind::kText:
      return length > 0 ? "VARCHAR(" + std::to_string(length) + ")" : "TEXT";
    case Kind::kJson:
      return "JSON";
    case Kind::kBytes:
      return "BYTES";
    case Kind::kUuid:
      return "UUID";
    case Kind::kDate:
      return "DATE";
    case Kind::kTime:
      return "TIME";
    case Kind::kTimestamp:
      return "TIMESTAMP";
    case Kind::kDateTime:
      return "DATETIME";
    case Kind::kEmbedding:
      return "EMBEDDING(" + std::to_string(dimension) + ")";
  }
  return "?";
}

std::string DataType::ToDuckDb() const {
  switch (kind) {
    case Kind::kBoolean:
      return "BOOLEAN";
    case Kind::kSmallInt:
      return "SMALLINT";
    case Kind::kInt:
      return "INTEGER";
    case Kind::kBigInt:
      return "BIGINT";
    case Kind::kFloat:
      return "FLOAT";
    case Kind::kDouble:
      return "DOUBLE";
    case Kind::kDecimal:
      return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case Kind::kText:
      return "VARCHAR";
    case Kind::kJson:
      return "JSON";
    case Kind::kBytes:
      return "BLOB";
    case Kind::kUuid:
      return "UUID";
    case Kind::kDate:
      return "DATE";
    case Kind::kTime:
      return "TIME";
    case Kind::kTimestamp:
    case Kind::kDateTime:
      return "TIMESTAMP";
    case Kind::kEmbedding:
      return "FLOAT[" + std::to_string(dimension) + "]";
  }
  return "VARCHAR";
}

Result<DataType> ParseDataType(std::string_view name, const std::vector<int64_t>& arguments) {
  const std::string lower = Lower(name);
  if (lower == "embedding") {
    if (arguments.size() != 1 || arguments[0] < 1 || arguments[0] > 8192) {
      return ArgumentError(name, "EMBEDDING needs one dimension between 1 and 8192");
    }
    return DataType{.kind = DataType::Kind::kEmbedding,
                    .dimension = static_cast<uint32_t>(arguments[0])};
  }
  if (lower == "decimal" || lower == "numeric") {
    if (arguments.size() > 2) return ArgumentError(name, "DECIMAL takes (precision, scale)");
    const int64_t precision = arguments.empty() ? 38 : arguments[0];
    const int64_t scale = arguments.size() < 2 ? (arguments.empty() ? 10 : 0) : arguments[1];
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
      return ArgumentError(name, "DECIMAL precision must be 1..38 and scale 0..precision");
    }
    return DataType{.kind = DataType::Kind::kDecimal,
                    .precision = static_cast<uint8_t>(precision),
                    .scale = static_cast<uint8_t>(scale)};
  }
  const auto* found = std::find_if(kTypeNames.begin(), kTypeNames.end(),
                                   [&](const TypeName& t) { return t.name == lower; });
  if (found == kTypeNames.end()) {
    return Status::InvalidArgument("unsupported data type '" + std::string(name) + "'");
  }
  const bool takes_length = lower == "varchar" || lower == "char";         // VARCHAR(255)
  const bool takes_precision = found->kind == DataType::Kind::kTimestamp;  // TIMESTAMP(6)
  if (found->kind == DataType::Kind::kText && !takes_length && !arguments.empty()) {
    return ArgumentError(name, "it takes no length; use VARCHAR(n) to limit the length");
  }
  if (!arguments.empty() && !((takes_length || takes_precision) && arguments.size() == 1)) {
    return ArgumentError(name, "this type takes no arguments");
  }
  if (takes_length && !arguments.empty()) {
    if (arguments[0] < 1 || arguments[0] > kMaxVarcharLength) {
      return ArgumentError(name, "the length must be between 1 and " +
                                     std::to_string(kMaxVarcharLength) + " characters");
    }
    return DataType{.kind = DataType::Kind::kText, .length = static_cast<uint32_t>(arguments[0])};
  }
  if (takes_precision && !arguments.empty() && (arguments[0] < 0 || arguments[0] > 9)) {
    return ArgumentError(name, "TIMESTAMP precision must be 0..9");
  }
  return DataType{.kind = found->kind};
}

std::string ColumnDefault::ToSql() const {
  switch (kind) {
    case Kind::kNone:
      return "";
    case Kind::kNull:
      return "NULL";
    case Kind::kString: {
      std::string quoted = "'";
      for (const char c : literal) {
        quoted += c == '\'' ? "''" : std::string(1, c);
      }
      return quoted + "'";
    }
    case Kind::kNumber:
    case Kind::kBoolean:
      return literal;
    case Kind::kSnowflakeId:
      return "SNOWFLAKE_ID()";
    case Kind::kUuidV7:
      return "UUID_V7()";
    case Kind::kUlid:
      return "ULID()";
    case Kind::kNow:
      return "NOW()";
    case Kind::kCurrentUser:
      return "CURRENT_USER()";
  }
  return "";
}

std::string ColumnDefinition::ToSql() const {
  std::string sql = name + " " + type.ToSql();
  if (primary_key) sql += " PRIMARY KEY";
  if (!nullable && !primary_key) sql += " NOT NULL";
  if (default_value.kind != ColumnDefault::Kind::kNone) sql += " DEFAULT " + default_value.ToSql();
  return sql;
}

std::string FlushPolicy::ToString() const {
  std::string text;
  if (rows > 0) text = "rows:" + std::to_string(rows);
  if (interval_seconds > 0) {
    text += (text.empty() ? "" : ",") + std::string("interval:") + std::to_string(interval_seconds);
  }
  return text;
}

Result<std::string> NormalizeName(std::string_view name, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid " + std::string(what) + " name '" + std::string(name) +
                                   "': " + std::string(why));
  };
  if (name.empty()) return bad("must not be empty");
  if (name.size() > kMaxNameLength) return bad("longer than 64 characters");
  const auto first = static_cast<unsigned char>(name.front());
  if (!std::isalpha(first) && name.front() != '_') {
    return bad("must start with a letter or underscore");
  }
  const bool valid_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!valid_chars) return bad("only letters, digits and underscores are allowed");
  return Lower(name);
}

bool IsReservedNamespace(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kReserved = {
      "system", "sys",   "root",     "kalamdb",           "kalam", "main", "default",
      "sql",    "admin", "internal", "information_schema"};
  const std::string lower = Lower(name);
  return std::find(kReserved.begin(), kReserved.end(), lower) != kReserved.end();
}

}  // namespace kalam::catalog

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/result.h"
#include "common/value.h"

namespace kalam::catalog {

enum class TableType : uint8_t { kUser, kShared, kStream, kSystem };
enum class AccessLevel : uint8_t { kPublic, kPrivate, kRestricted };
enum class Role : uint8_t { kUser, kService, kDba, kSystem };

std::string_view TableTypeName(TableType type);       // "USER", "SHARED", "STREAM", "SYSTEM"
std::string_view AccessLevelName(AccessLevel level);  // "PUBLIC", "PRIVATE", "RESTRICTED"
std::string_view RoleName(Role role);                 // "user", "service", "dba", "system"
std::optional<AccessLevel> ParseAccessLevel(std::string_view text);  // case-insensitive
// Accepts the role words (dba|admin, service|developer|analyst,
// user|viewer|readonly, system), case-insensitive.
std::optional<Role> ParseRole(std::string_view text);

// A column type.
struct DataType {
  enum class Kind : uint8_t {
    kBoolean,
    kSmallInt,
    kInt,
    kBigInt,
    kFloat,
    kDouble,
    kDecimal,
    kText,
    kJson,
    kBytes,
    kUuid,
    kDate,
    kTime,
    kTimestamp,
    kDateTime,
    kEmbedding,
  };
  Kind kind = Kind::kText;
  uint32_t dimension = 0;  // kEmbedding: 1..8192
  uint8_t precision = 0;   // kDecimal: 1..38
  uint8_t scale = 0;       // kDecimal: 0..precision
  uint32_t length = 0;     // kText: VARCHAR(n), at most n characters; 0 = TEXT, no limit

  // The canonical SQL spelling, e.g. "BIGINT", "DECIMAL(10,2)", "VARCHAR(5)", "EMBEDDING(384)".
  std::string ToSql() const;
  // The DuckDB type used to expose the column to queries.
  std::string ToDuckDb() const;

  friend bool operator==(const DataType&, const DataType&) = default;
};

// The longest VARCHAR(n) (PostgreSQL's limit).
inline constexpr uint32_t kMaxVarcharLength = 10485760;

// Parses a type name as written in CREATE TABLE ("varchar", "VARCHAR(255)", "TIMESTAMP(6)",
// "decimal(10, 2)", "EMBEDDING(384)"). VARCHAR(n) and CHAR(n) limit the length to n
// characters (CHAR(n) is not blank-padded); TEXT and STRING take no length. kInvalidArgument
// names the type when it is unknown or out of range.
Result<DataType> ParseDataType(std::string_view name, const std::vector<int64_t>& arguments);

// A column's DEFAULT: nothing, a literal, or one of the default functions evaluated per
// row at INSERT time.
struct ColumnDefault {
  enum class Kind : uint8_t {
    kNone,
    kNull,
    kString,
    kNumber,
    kBoolean,
    kSnowflakeId,
    kUuidV7,
    kUlid,
    kNow,
    kCurrentUser,
  };
  Kind kind = Kind::kNone;
  std::string literal;  // kString / kNumber text; kBoolean "true"/"false"

  std::string ToSql() const;  // "SNOWFLAKE_ID()", "'abc'", "0", "" for kNone
  friend bool operator==(const ColumnDefault&, const ColumnDefault&) = default;
};

struct ColumnDefinition {
  uint32_t column_id = 0;  // stable across renames; never reused within a table
  std::string name;
  DataType type;
  bool nullable = true;
  bool primary_key = false;
  ColumnDefault default_value;
  std::string comment;
  // What the rows stored before this column was added read for it: the column's DEFAULT,
  // evaluated once by ADD COLUMN (NULL when it has none). Rows written since carry a cell of
  // their own, so this is never what a newer row reads. Stays as the DEFAULT changes.
  Value fill_value;

  // "name TYPE[ PRIMARY KEY][ NOT NULL][ DEFAULT x]", e.g. "age INT NOT NULL DEFAULT 0".
  std::string ToSql() const;

  friend bool operator==(const ColumnDefinition&, const ColumnDefinition&) = default;
};

// FLUSH_POLICY: rows and/or seconds; 0 means "not set".
struct FlushPolicy {
  uint32_t rows = 0;
  uint32_t interval_seconds = 0;

  std::string ToString() const;  // "rows:1000,interval:60" or ""
  friend bool operator==(const FlushPolicy&, const FlushPolicy&) = default;
};

struct TableOptions {
  StorageId storage_id{"local"};
  bool use_user_storage = false;                    // USER only
  FlushPolicy flush_policy;                         // USER / SHARED
  std::optional<uint32_t> deleted_retention_hours;  // USER / SHARED
  std::optional<uint64_t> ttl_seconds;              // STREAM only, required there
  std::optional<AccessLevel> access_level;          // SHARED only (default PRIVATE)

  friend bool operator==(const TableOptions&, const TableOptions&) = default;
};

// Names of namespaces, tables, views and columns: [A-Za-z_][A-Za-z0-9_]*, at most 64
// characters, compared case-insensitively (stored lower case).
inline constexpr size_t kMaxNameLength = 64;

// Lower-cases `name` after checking it. `what` names the object in the error
// ("namespace", "table", "column").
Result<std::string> NormalizeName(std::string_view name, std::string_view what);

// Namespaces users may not create.
bool IsReservedNamespace(std::string_view name);

}  // namespace kalam::catalog

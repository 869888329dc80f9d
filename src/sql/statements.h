#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "catalog/types.h"

// The statements KalamDB parses itself. Names are as written; handlers
// normalise them (catalog::NormalizeName).
namespace kalam::sql {

struct QualifiedName {
  std::optional<std::string> namespace_id;  // absent: the session's default namespace
  std::string name;
};

// A literal in an option list: WITH (TTL_SECONDS = 10, ACCESS_LEVEL = 'PUBLIC').
struct OptionValue {
  enum class Kind : uint8_t { kString, kNumber, kBoolean, kWord };
  Kind kind = Kind::kString;
  std::string text;
};
using Options = std::vector<std::pair<std::string, OptionValue>>;  // keys upper-cased

struct ColumnSpec {
  std::string name;
  catalog::DataType type;
  bool not_null = false;
  bool nullability_given = false;  // NULL or NOT NULL was written (MODIFY keeps it otherwise)
  bool primary_key = false;
  bool auto_increment = false;
  catalog::ColumnDefault default_value;
};

struct CreateNamespace {
  std::string name;
  bool if_not_exists = false;
};
struct DropNamespace {
  std::string name;
  bool if_exists = false;
  bool cascade = false;
};
struct AlterNamespace {
  std::string name;
  Options options;
};
struct ShowNamespaces {};
struct UseNamespace {
  std::string name;
};

struct CreateStorage {
  std::string storage_id;
  bool if_not_exists = false;
  Options properties;  // TYPE, NAME, DESCRIPTION, BASE_DIRECTORY, … (upper-cased keys)
};
struct AlterStorage {
  std::string storage_id;
  Options changes;  // SET <KEY> '<value>' …
};
struct DropStorage {
  std::string storage_id;
  bool if_exists = false;
};
struct ShowStorages {};

struct CreateTable {
  std::optional<catalog::TableType> type_prefix;  // CREATE USER|SHARED|STREAM TABLE
  bool if_not_exists = false;
  QualifiedName table;
  std::vector<ColumnSpec> columns;
  std::vector<std::string> table_primary_key;  // PRIMARY KEY (col, …) constraint
  Options with;                                // WITH (…)
};

struct AddColumn {
  ColumnSpec column;
};
struct DropColumn {
  std::string name;
};
// MODIFY COLUMN c <type> [NULL | NOT NULL] [DEFAULT x], and PostgreSQL's ALTER COLUMN c
// TYPE t | SET NOT NULL | DROP NOT NULL | SET DEFAULT x | DROP DEFAULT: what the statement
// gives changes; the rest of the column (its constraints, default, comment) is kept.
struct ModifyColumn {
  std::string name;
  std::optional<catalog::DataType> type;
  std::optional<bool> not_null;
  std::optional<catalog::ColumnDefault> default_value;  // kind kNone: DROP DEFAULT
  std::string verb = "MODIFY";                          // "MODIFY" or "ALTER", for the reply
};
struct RenameColumn {
  std::string from;
  std::string to;
};
struct RenameTable {  // RENAME TO u: the same table (id, rows, rights) under a new name
  QualifiedName to;
};
struct SetTableProperties {
  Options properties;
};
struct AlterTable {
  QualifiedName table;
  std::variant<AddColumn, DropColumn, ModifyColumn, RenameColumn, RenameTable, SetTableProperties>
      action;
};

struct DropTable {
  std::optional<catalog::TableType> type_prefix;
  bool if_exists = false;
  QualifiedName table;
};

struct CreateView {
  bool or_replace = false;
  QualifiedName view;
  std::string select_sql;  // the text after AS
};
struct DropView {
  bool if_exists = false;
  QualifiedName view;
};

// CREATE USER 'name' WITH PASSWORD 'p' | WITH INTERNAL  ROLE r [EMAIL 'e'].
struct CreateUser {
  std::string username;
  std::optional<std::string> password;  // nullopt: WITH INTERNAL
  catalog::Role role = catalog::Role::kUser;
  std::string email;
};
// ALTER USER 'name' SET PASSWORD 'p' | SET ROLE r | SET EMAIL 'e'.
struct AlterUser {
  std::string username;
  std::optional<std::string> password;
  std::optional<catalog::Role> role;
  std::optional<std::string> email;
};
struct DropUser {
  bool if_exists = false;
  std::string username;
};

struct ShowTables {
  std::optional<std::string> namespace_id;
};
struct DescribeTable {
  QualifiedName table;
  bool history = false;
};
struct ShowStats {
  QualifiedName table;
};

// SUBSCRIBE TO <table> [WHERE <condition>] [OPTIONS (last_rows = N, batch_size = N)]: checks
// the live query and tells the client how to open it over the WebSocket.
struct SubscribeTo {
  QualifiedName table;
  std::string condition;  // the WHERE condition as written ("" = none)
  std::optional<int64_t> last_rows;
  std::optional<int64_t> batch_size;
};
struct KillLiveQuery {
  std::string live_id;
};
struct ShowLiveQueries {};
struct KillJob {
  std::string job_id;
};

// A query the engine runs (SELECT, WITH, VALUES, set operations).
struct Query {
  // EXPLAIN shows DuckDB's plan over our scans; EXPLAIN ANALYZE also runs the query and shows
  // the time and rows of each operator.
  enum class Explain : uint8_t { kNone, kPlan, kAnalyze };
  std::string sql;  // the SELECT (without EXPLAIN)
  Explain explain = Explain::kNone;
};
// INSERT, UPDATE or DELETE.
enum class DmlVerb : uint8_t { kInsert, kUpdate, kDelete };
std::string_view DmlVerbName(DmlVerb verb);  // "INSERT", "UPDATE", "DELETE"
struct Dml {
  DmlVerb verb;
  std::string sql;
};

using Statement = std::variant<CreateNamespace, DropNamespace, AlterNamespace, ShowNamespaces,
                               UseNamespace, CreateStorage, AlterStorage, DropStorage, ShowStorages,
                               CreateTable, AlterTable, DropTable, CreateView, DropView, ShowTables,
                               DescribeTable, ShowStats, Query, Dml, CreateUser, AlterUser,
                               DropUser, SubscribeTo, KillLiveQuery, ShowLiveQueries, KillJob>;

}  // namespace kalam::sql

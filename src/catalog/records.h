#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/types.h"
#include "common/ids.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"

// The persisted catalog records (EntityStore values). Each has a kRecordVersion and hand-
// written field order; see src/storage/README.md. Timestamps are Unix milliseconds.
namespace kalam::catalog {

using storage::RecordReader;
using storage::RecordWriter;

struct NamespaceRecord {
  static constexpr uint32_t kRecordVersion = 1;
  std::string name;
  int64_t created_at = 0;
  std::vector<std::pair<std::string, std::string>> options;  // ALTER NAMESPACE … SET OPTIONS

  void EncodeTo(RecordWriter& out) const;
  static Result<NamespaceRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const NamespaceRecord&, const NamespaceRecord&) = default;
};

struct StorageRecord {
  static constexpr uint32_t kRecordVersion = 1;
  std::string storage_id;
  std::string storage_name;
  std::string description;
  std::string storage_type;  // "filesystem" | "s3"
  std::string base_directory;
  std::string credentials;  // JSON text; never shown to non-admins
  std::string shared_tables_template;
  std::string user_tables_template;
  int64_t created_at = 0;
  int64_t updated_at = 0;

  void EncodeTo(RecordWriter& out) const;
  static Result<StorageRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const StorageRecord&, const StorageRecord&) = default;
};

struct TableRecord {
  static constexpr uint32_t kRecordVersion = 2;  // 2: created_by
  TableId table_id;
  std::string namespace_id;
  std::string table_name;
  TableType table_type = TableType::kShared;
  TableOptions options;
  uint32_t schema_version = 1;  // the current version
  std::string comment;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::string created_by;  // user id of the creator: RESTRICTED SHARED tables are theirs

  void EncodeTo(RecordWriter& out) const;
  static Result<TableRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const TableRecord&, const TableRecord&) = default;
};

// One immutable version of a table's columns, written at CREATE and at each ALTER.
struct SchemaVersionRecord {
  static constexpr uint32_t kRecordVersion = 2;  // 2: VARCHAR lengths, fill values
  uint32_t version = 1;
  std::vector<ColumnDefinition> columns;  // user columns, in order
  uint32_t next_column_id = 1;            // the id the next added column gets
  std::string change;                     // "created", "ADD COLUMN age INT", …
  int64_t created_at = 0;

  void EncodeTo(RecordWriter& out) const;
  static Result<SchemaVersionRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const SchemaVersionRecord&, const SchemaVersionRecord&) = default;
};

struct ViewRecord {
  static constexpr uint32_t kRecordVersion = 1;
  std::string namespace_id;
  std::string view_name;
  std::string sql;  // the SELECT body
  std::string created_by;
  int64_t created_at = 0;

  void EncodeTo(RecordWriter& out) const;
  static Result<ViewRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const ViewRecord&, const ViewRecord&) = default;
};

struct UserRecord {
  static constexpr uint32_t kRecordVersion = 2;  // 2: token_generation
  std::string user_id;
  std::string username;
  std::string password_hash;  // empty: no password (root before setup, internal users)
  Role role = Role::kUser;
  std::string email;
  std::string auth_type;  // "password" | "internal" | "oauth"
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> deleted_at;
  // Bumped by a password or role change: tokens issued under an older generation are void.
  int64_t token_generation = 0;

  void EncodeTo(RecordWriter& out) const;
  static Result<UserRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const UserRecord&, const UserRecord&) = default;
};

// A background job (jobs/JobManager owns the lifecycle; see src/jobs/README.md).
struct JobRecord {
  static constexpr uint32_t kRecordVersion = 2;  // 2: message, exception_trace, max_retries
  std::string job_id;                            // <prefix>-<12 hex>
  std::string job_type;
  std::string namespace_id;
  std::string table_name;
  std::string status;      // new | queued | running | retrying | completed | failed | cancelled
  std::string parameters;  // a JSON object's text
  std::string message;     // the last outcome's message
  std::string exception_trace;
  std::string idempotency_key;
  uint32_t retry_count = 0;
  uint32_t max_retries = 0;
  std::string node_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> started_at;
  std::optional<int64_t> completed_at;

  void EncodeTo(RecordWriter& out) const;
  static Result<JobRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const JobRecord&, const JobRecord&) = default;
};

// A refresh token revoked by logout; kept until it would have expired anyway.
struct RevokedTokenRecord {
  static constexpr uint32_t kRecordVersion = 1;
  std::string token_id;  // the token's jti
  std::string user_id;
  int64_t expires_at = 0;  // seconds since the epoch

  void EncodeTo(RecordWriter& out) const;
  static Result<RevokedTokenRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const RevokedTokenRecord&, const RevokedTokenRecord&) = default;
};

struct AuditLogRecord {
  static constexpr uint32_t kRecordVersion = 1;
  std::string audit_id;  // Snowflake id as text: audit entries list in time order
  int64_t timestamp = 0;
  std::string actor_user_id;
  std::string actor_username;
  std::string action;  // CREATE, DROP, ALTER, INSERT, LOGIN, …
  std::string target;  // "ns.table", "NAMESPACE app", …
  std::string details;
  std::string ip_address;
  std::string request_id;

  void EncodeTo(RecordWriter& out) const;
  static Result<AuditLogRecord> DecodeFrom(RecordReader& in, uint32_t version);
  friend bool operator==(const AuditLogRecord&, const AuditLogRecord&) = default;
};

// The value of the (namespace, name) → table index.
struct TableIdRecord {
  static constexpr uint32_t kRecordVersion = 1;
  TableId table_id;

  void EncodeTo(RecordWriter& out) const { out.PutVarint(table_id.value()); }
  static Result<TableIdRecord> DecodeFrom(RecordReader& in, uint32_t) {
    return TableIdRecord{TableId(in.GetVarint())};
  }
};

// Composite ids (EntityStore keys).
struct TableNameKey {  // (namespace, table or view name)
  std::string namespace_id;
  std::string name;
  friend auto operator<=>(const TableNameKey&, const TableNameKey&) = default;
};
void AppendKeyPart(std::string* out, const TableNameKey& key);
bool ReadKeyPart(storage::KeyReader& reader, TableNameKey* key);

struct SchemaVersionKey {  // (table id, version)
  TableId table_id;
  uint32_t version = 0;
  friend auto operator<=>(const SchemaVersionKey&, const SchemaVersionKey&) = default;
};
void AppendKeyPart(std::string* out, const SchemaVersionKey& key);
bool ReadKeyPart(storage::KeyReader& reader, SchemaVersionKey* key);

}  // namespace kalam::catalog

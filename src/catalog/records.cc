#include "catalog/records.h"

namespace kalam::catalog {
namespace {

using storage::AppendKeyPart;

void PutOptional(RecordWriter& out, const std::optional<int64_t>& value) {
  out.PutBool(value.has_value());
  if (value.has_value()) out.PutSignedVarint(*value);
}

std::optional<int64_t> GetOptional(RecordReader& in) {
  if (!in.GetBool()) return std::nullopt;
  return in.GetSignedVarint();
}

void PutDataType(RecordWriter& out, const DataType& type) {
  out.PutVarint(static_cast<uint64_t>(type.kind));
  out.PutVarint(type.dimension);
  out.PutVarint(type.precision);
  out.PutVarint(type.scale);
  out.PutVarint(type.length);
}

// `version` is the SchemaVersionRecord's: version 1 types have no length.
DataType GetDataType(RecordReader& in, uint32_t version) {
  DataType type;
  type.kind = in.GetEnum(DataType::Kind::kEmbedding);
  type.dimension = static_cast<uint32_t>(in.GetVarint());
  type.precision = static_cast<uint8_t>(in.GetVarint());
  type.scale = static_cast<uint8_t>(in.GetVarint());
  if (version >= 2) type.length = static_cast<uint32_t>(in.GetVarint());
  return type;
}

void PutColumn(RecordWriter& out, const ColumnDefinition& column) {
  out.PutVarint(column.column_id);
  out.PutString(column.name);
  PutDataType(out, column.type);
  out.PutBool(column.nullable);
  out.PutBool(column.primary_key);
  out.PutVarint(static_cast<uint64_t>(column.default_value.kind));
  out.PutString(column.default_value.literal);
  out.PutString(column.comment);
  out.PutValue(column.fill_value);
}

// Version 1 columns have no fill value: their rows never lacked them, or read NULL.
ColumnDefinition GetColumn(RecordReader& in, uint32_t version) {
  ColumnDefinition column;
  column.column_id = static_cast<uint32_t>(in.GetVarint());
  column.name = in.GetString();
  column.type = GetDataType(in, version);
  column.nullable = in.GetBool();
  column.primary_key = in.GetBool();
  column.default_value.kind = in.GetEnum(ColumnDefault::Kind::kCurrentUser);
  column.default_value.literal = in.GetString();
  column.comment = in.GetString();
  if (version >= 2) column.fill_value = in.GetValue();
  return column;
}

}  // namespace

void NamespaceRecord::EncodeTo(RecordWriter& out) const {
  out.PutString(name);
  out.PutSignedVarint(created_at);
  out.PutVarint(options.size());
  for (const auto& [key, value] : options) {
    out.PutString(key);
    out.PutString(value);
  }
}

Result<NamespaceRecord> NamespaceRecord::DecodeFrom(RecordReader& in, uint32_t) {
  NamespaceRecord record;
  record.name = in.GetString();
  record.created_at = in.GetSignedVarint();
  for (uint64_t n = in.GetVarint(); n > 0 && in.status().ok(); --n) {
    std::string key = in.GetString();
    record.options.emplace_back(std::move(key), in.GetString());
  }
  return record;
}

void StorageRecord::EncodeTo(RecordWriter& out) const {
  for (const std::string* field :
       {&storage_id, &storage_name, &description, &storage_type, &base_directory, &credentials,
        &shared_tables_template, &user_tables_template}) {
    out.PutString(*field);
  }
  out.PutSignedVarint(created_at);
  out.PutSignedVarint(updated_at);
}

Result<StorageRecord> StorageRecord::DecodeFrom(RecordReader& in, uint32_t) {
  StorageRecord record;
  for (std::string* field : {&record.storage_id, &record.storage_name, &record.description,
                             &record.storage_type, &record.base_directory, &record.credentials,
                             &record.shared_tables_template, &record.user_tables_template}) {
    *field = in.GetString();
  }
  record.created_at = in.GetSignedVarint();
  record.updated_at = in.GetSignedVarint();
  return record;
}

void TableRecord::EncodeTo(RecordWriter& out) const {
  out.PutVarint(table_id.value());
  out.PutString(namespace_id);
  out.PutString(table_name);
  out.PutVarint(static_cast<uint64_t>(table_type));
  out.PutString(options.storage_id.value());
  out.PutBool(options.use_user_storage);
  out.PutVarint(options.flush_policy.rows);
  out.PutVarint(options.flush_policy.interval_seconds);
  PutOptional(out, options.deleted_retention_hours);
  PutOptional(out, options.ttl_seconds.has_value()
                       ? std::optional<int64_t>(static_cast<int64_t>(*options.ttl_seconds))
                       : std::nullopt);
  PutOptional(out, options.access_level.has_value()
                       ? std::optional<int64_t>(static_cast<int64_t>(*options.access_level))
                       : std::nullopt);
  out.PutVarint(schema_version);
  out.PutString(comment);
  out.PutSignedVarint(created_at);
  out.PutSignedVarint(updated_at);
  out.PutString(created_by);
}

Result<TableRecord> TableRecord::DecodeFrom(RecordReader& in, uint32_t version) {
  TableRecord record;
  record.table_id = TableId(in.GetVarint());
  record.namespace_id = in.GetString();
  record.table_name = in.GetString();
  record.table_type = in.GetEnum(TableType::kSystem);
  record.options.storage_id = StorageId(in.GetString());
  record.options.use_user_storage = in.GetBool();
  record.options.flush_policy.rows = static_cast<uint32_t>(in.GetVarint());
  record.options.flush_policy.interval_seconds = static_cast<uint32_t>(in.GetVarint());
  if (auto hours = GetOptional(in)) record.options.deleted_retention_hours = *hours;
  if (auto ttl = GetOptional(in)) record.options.ttl_seconds = *ttl;
  if (auto level = GetOptional(in)) {
    if (*level < 0 || *level > static_cast<int64_t>(AccessLevel::kRestricted)) {
      in.Fail("access level out of range");
    } else {
      record.options.access_level = static_cast<AccessLevel>(*level);
    }
  }
  record.schema_version = static_cast<uint32_t>(in.GetVarint());
  record.comment = in.GetString();
  record.created_at = in.GetSignedVarint();
  record.updated_at = in.GetSignedVarint();
  if (version >= 2) record.created_by = in.GetString();  // version 1 tables have no creator
  return record;
}

void SchemaVersionRecord::EncodeTo(RecordWriter& out) const {
  out.PutVarint(version);
  out.PutVarint(columns.size());
  for (const ColumnDefinition& column : columns) {
    PutColumn(out, column);
  }
  out.PutVarint(next_column_id);
  out.PutString(change);
  out.PutSignedVarint(created_at);
}

Result<SchemaVersionRecord> SchemaVersionRecord::DecodeFrom(RecordReader& in,
                                                            uint32_t record_version) {
  SchemaVersionRecord record;
  record.version = static_cast<uint32_t>(in.GetVarint());
  for (uint64_t n = in.GetVarint(); n > 0 && in.status().ok(); --n) {
    record.columns.push_back(GetColumn(in, record_version));
  }
  record.next_column_id = static_cast<uint32_t>(in.GetVarint());
  record.change = in.GetString();
  record.created_at = in.GetSignedVarint();
  return record;
}

void ViewRecord::EncodeTo(RecordWriter& out) const {
  out.PutString(namespace_id);
  out.PutString(view_name);
  out.PutString(sql);
  out.PutString(created_by);
  out.PutSignedVarint(created_at);
}

Result<ViewRecord> ViewRecord::DecodeFrom(RecordReader& in, uint32_t) {
  ViewRecord record;
  record.namespace_id = in.GetString();
  record.view_name = in.GetString();
  record.sql = in.GetString();
  record.created_by = in.GetString();
  record.created_at = in.GetSignedVarint();
  return record;
}

void UserRecord::EncodeTo(RecordWriter& out) const {
  out.PutString(user_id);
  out.PutString(username);
  out.PutString(password_hash);
  out.PutVarint(static_cast<uint64_t>(role));
  out.PutString(email);
  out.PutString(auth_type);
  out.PutSignedVarint(created_at);
  out.PutSignedVarint(updated_at);
  PutOptional(out, deleted_at);
  out.PutSignedVarint(token_generation);
}

Result<UserRecord> UserRecord::DecodeFrom(RecordReader& in, uint32_t version) {
  UserRecord record;
  record.user_id = in.GetString();
  record.username = in.GetString();
  record.password_hash = in.GetString();
  record.role = in.GetEnum(Role::kSystem);
  record.email = in.GetString();
  record.auth_type = in.GetString();
  record.created_at = in.GetSignedVarint();
  record.updated_at = in.GetSignedVarint();
  record.deleted_at = GetOptional(in);
  if (version >= 2) record.token_generation = in.GetSignedVarint();  // version 1: generation 0
  return record;
}

void RevokedTokenRecord::EncodeTo(RecordWriter& out) const {
  out.PutString(token_id);
  out.PutString(user_id);
  out.PutSignedVarint(expires_at);
}

Result<RevokedTokenRecord> RevokedTokenRecord::DecodeFrom(RecordReader& in, uint32_t) {
  RevokedTokenRecord record;
  record.token_id = in.GetString();
  record.user_id = in.GetString();
  record.expires_at = in.GetSignedVarint();
  return record;
}

void JobRecord::EncodeTo(RecordWriter& out) const {
  for (const std::string* field : {&job_id, &job_type, &namespace_id, &table_name, &status,
                                   &parameters, &message, &exception_trace, &idempotency_key}) {
    out.PutString(*field);
  }
  out.PutVarint(retry_count);
  out.PutString(node_id);
  out.PutSignedVarint(created_at);
  PutOptional(out, started_at);
  PutOptional(out, completed_at);
  out.PutVarint(max_retries);
  out.PutSignedVarint(updated_at);
}

Result<JobRecord> JobRecord::DecodeFrom(RecordReader& in, uint32_t version) {
  JobRecord record;
  // Version 1 held `result` and `error_message` where 2 holds `message` and `exception_trace`.
  for (std::string* field :
       {&record.job_id, &record.job_type, &record.namespace_id, &record.table_name, &record.status,
        &record.parameters, &record.message, &record.exception_trace, &record.idempotency_key}) {
    *field = in.GetString();
  }
  record.retry_count = static_cast<uint32_t>(in.GetVarint());
  record.node_id = in.GetString();
  record.created_at = in.GetSignedVarint();
  record.started_at = GetOptional(in);
  record.completed_at = GetOptional(in);
  if (version >= 2) {
    record.max_retries = static_cast<uint32_t>(in.GetVarint());
    record.updated_at = in.GetSignedVarint();
  } else {
    if (record.message.empty()) std::swap(record.message, record.exception_trace);
    record.updated_at = record.completed_at.value_or(record.started_at.value_or(record.created_at));
  }
  return record;
}

void AuditLogRecord::EncodeTo(RecordWriter& out) const {
  out.PutString(audit_id);
  out.PutSignedVarint(timestamp);
  for (const std::string* field :
       {&actor_user_id, &actor_username, &action, &target, &details, &ip_address, &request_id}) {
    out.PutString(*field);
  }
}

Result<AuditLogRecord> AuditLogRecord::DecodeFrom(RecordReader& in, uint32_t) {
  AuditLogRecord record;
  record.audit_id = in.GetString();
  record.timestamp = in.GetSignedVarint();
  for (std::string* field :
       {&record.actor_user_id, &record.actor_username, &record.action, &record.target,
        &record.details, &record.ip_address, &record.request_id}) {
    *field = in.GetString();
  }
  return record;
}

void AppendKeyPart(std::string* out, const TableNameKey& key) {
  AppendKeyPart(out, key.namespace_id);
  AppendKeyPart(out, key.name);
}

bool ReadKeyPart(storage::KeyReader& reader, TableNameKey* key) {
  return reader.Read(&key->namespace_id) && reader.Read(&key->name);
}

void AppendKeyPart(std::string* out, const SchemaVersionKey& key) {
  AppendKeyPart(out, key.table_id.value());
  AppendKeyPart(out, uint64_t{key.version});
}

bool ReadKeyPart(storage::KeyReader& reader, SchemaVersionKey* key) {
  uint64_t table = 0;
  uint64_t version = 0;
  if (!reader.Read(&table) || !reader.Read(&version)) return false;
  *key = {TableId(table), static_cast<uint32_t>(version)};
  return true;
}

}  // namespace kalam::catalog

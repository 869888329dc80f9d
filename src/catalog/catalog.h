#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/records.h"
#include "catalog/schema_registry.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"
#include "storage/entity_store.h"
#include "storage/kv_store.h"

namespace kalam::catalog {

// The version of the catalog's on-disk layout that this build writes. A data directory
// with a higher version was written by a newer build and is refused; a lower one is
// upgraded step by step at Open (version 0 is an empty directory: the upgrade to 1 is the
// first-start bootstrap).
inline constexpr uint32_t kSystemSchemaVersion = 1;

// Overwrites the on-disk system schema version marker. For upgrade tests and recovery
// tooling only: the catalog itself writes the marker as part of each upgrade step.
Status WriteSystemSchemaVersion(storage::KvStore& kv, uint64_t version);

struct CatalogOptions {
  std::string default_storage_path;  // base directory of the built-in storage 'local'
};

// The result of an ALTER TABLE change function: the new table record and columns.
struct TableChange {
  TableRecord table;
  std::vector<ColumnDefinition> columns;
  uint32_t next_column_id = 1;
  std::string description;  // "ADD COLUMN age INT", recorded in the schema history
};

// System records: namespaces, storages, tables with every schema version, views, users,
// jobs, live queries and the audit log, persisted in the `system` partition.
//
// Thread-safety: all methods may be called concurrently. DDL is serialized by ddl_mu_,
// held across its read-check-write so that two CREATEs of one name cannot both succeed;
// no read path and no DML takes it. Table lookups go through the SchemaRegistry cache.
class Catalog {
 public:
  static Result<std::unique_ptr<Catalog>> Open(storage::KvStore& kv, const Clock& clock,
                                               CatalogOptions options);
  ~Catalog() = default;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Namespaces. Errors: kAlreadyExists, kNamespaceNotFound, kConflict (not empty, no cascade).
  Status CreateNamespace(const std::string& name);
  // How a drop is committed: `batch` holds the catalog's deletes for the tables `dropped`;
  // the commit must add the deletes of their rows and write it, atomically, where writes to
  // those tables are serialized (tables::TableWriter::CommitTableDrop), so that no statement
  // still running can write a row under a dropped id.
  using DropCommit =
      std::function<Status(storage::WriteBatch& batch, const std::vector<TableId>& dropped)>;

  Status DropNamespace(const std::string& name, bool cascade, const DropCommit& commit);
  Status SetNamespaceOptions(const std::string& name,
                             const std::vector<std::pair<std::string, std::string>>& options);
  Result<std::optional<NamespaceRecord>> GetNamespace(const std::string& name) const;
  Result<std::vector<NamespaceRecord>> ListNamespaces() const;

  // Storages. DropStorage refuses 'local' and storages that tables use.
  Status CreateStorage(StorageRecord storage);
  Status AlterStorage(const std::string& storage_id,
                      const std::function<Status(StorageRecord&)>& change);
  Status DropStorage(const std::string& storage_id);
  Result<std::optional<StorageRecord>> GetStorage(const std::string& storage_id) const;
  Result<std::vector<StorageRecord>> ListStorages() const;

  // How an ALTER is committed: `batch` holds the new table record and schema version,
  // `altered` is that version. The commit must write the batch where writes to the table are
  // serialized (tables::TableWriter::CommitSchemaChange), after checking the stored rows
  // against `altered` if the new schema is stricter, so that no row lands between the check
  // and the new schema; and it must call `written` once the batch is durable, before writes
  // resume, so that a statement refused for the old schema finds the new one when it runs
  // again. An error leaves everything as it was.
  using AlterCommit = std::function<Status(storage::WriteBatch& batch,
                                           const std::shared_ptr<const CachedTable>& altered,
                                           const std::function<void()>& written)>;

  // Tables. CreateTable assigns the table id and writes schema version 1. AlterTable calls
  // `change` with the current definition and commits the result as the next version; a
  // changed table_name renames the table (kAlreadyExists if a table or view has the name),
  // keeping its id, rows and history. `change` and `commit` run under the DDL lock.
  // DropTable removes the metadata; `commit` removes the rows in the same batch.
  Result<std::shared_ptr<const CachedTable>> CreateTable(TableRecord table,
                                                         std::vector<ColumnDefinition> columns);
  Result<std::shared_ptr<const CachedTable>> AlterTable(
      const std::string& namespace_id, const std::string& table_name,
      const std::function<Result<TableChange>(const CachedTable&)>& change,
      const AlterCommit& commit);
  Status DropTable(const std::string& namespace_id, const std::string& table_name,
                   const DropCommit& commit);
  // kTableNotFound "Table ns.t not found".
  Result<std::shared_ptr<const CachedTable>> GetTable(const std::string& namespace_id,
                                                      const std::string& table_name);
  Result<std::vector<TableRecord>> ListTables() const;
  Result<std::vector<SchemaVersionRecord>> SchemaHistory(TableId table_id) const;

  // Views share the table namespace: a view and a table cannot have the same name.
  Status CreateView(ViewRecord view, bool or_replace);
  Status DropView(const std::string& namespace_id, const std::string& view_name);
  Result<std::optional<ViewRecord>> GetView(const std::string& namespace_id,
                                            const std::string& view_name) const;
  Result<std::vector<ViewRecord>> ListViews() const;

  Status PutUser(const UserRecord& user);
  Result<std::optional<UserRecord>> GetUser(const std::string& user_id) const;
  // Removes the record for good (a dropped user whose data is gone).
  Status DeleteUser(const std::string& user_id);
  Result<std::vector<UserRecord>> ListUsers() const;

  Status RevokeToken(const RevokedTokenRecord& token);
  Result<std::vector<RevokedTokenRecord>> ListRevokedTokens() const;

  Status PutJob(const JobRecord& job);
  // Deletes the jobs in one write.
  Status DeleteJobs(const std::vector<std::string>& job_ids);
  Result<std::vector<JobRecord>> ListJobs() const;
  // REQUIRES: entry.audit_id is the decimal text of a fresh Snowflake id.
  Status AppendAudit(const AuditLogRecord& entry);
  Result<std::vector<AuditLogRecord>> ListAudit() const;

  SchemaCacheStats CacheStats() const { return registry_.Stats(); }
  uint32_t system_schema_version() const { return kSystemSchemaVersion; }

 private:
  Catalog(storage::KvStore& kv, const Clock& clock, CatalogOptions options);

  Status Upgrade(uint32_t from_version);
  Status Bootstrap(storage::WriteBatch& batch);
  Result<std::shared_ptr<const CachedTable>> LoadTable(std::string_view qualified_name) const;
  Result<std::optional<TableId>> FindTableId(const std::string& namespace_id,
                                             const std::string& name) const;
  Result<bool> NameTaken(const std::string& namespace_id, const std::string& name) const;
  // Stages the removal of a table's metadata and hot data.
  void StageDropTable(storage::WriteBatch& batch, const TableRecord& table) const;
  Result<uint64_t> ReadCounter(std::string_view name) const;
  void StageCounter(storage::WriteBatch& batch, std::string_view name, uint64_t value) const;

  storage::KvStore& kv_;
  const Clock& clock_;
  const CatalogOptions options_;
  storage::EntityStore<NamespaceId, NamespaceRecord> namespaces_;
  storage::EntityStore<StorageId, StorageRecord> storages_;
  storage::EntityStore<TableId, TableRecord> tables_;
  storage::EntityStore<TableNameKey, TableIdRecord> table_names_;  // (ns, name) → id
  storage::EntityStore<SchemaVersionKey, SchemaVersionRecord> schemas_;
  storage::EntityStore<TableNameKey, ViewRecord> views_;
  storage::EntityStore<UserId, UserRecord> users_;
  storage::EntityStore<JobId, JobRecord> jobs_;
  storage::EntityStore<TokenId, RevokedTokenRecord> revoked_tokens_;
  storage::EntityStore<int64_t, AuditLogRecord> audit_;  // keyed by Snowflake id: time order
  mutable SchemaRegistry registry_;
  Mutex ddl_mu_;
};

}  // namespace kalam::catalog

#include "catalog/catalog.h"

#include <algorithm>
#include <charconv>

#include "common/log.h"
#include "storage/key_codec.h"

namespace kalam::catalog {
namespace {

using storage::Partition;
using storage::WriteBatch;

constexpr std::string_view kSchemaVersionKey = "system_schema_version";
constexpr std::string_view kNextTableIdKey = "next_table_id";
constexpr std::string_view kLocalStorage = "local";
constexpr std::string_view kDefaultSharedTemplate = "{namespace}/{tableName}";
constexpr std::string_view kDefaultUserTemplate = "{namespace}/{tableName}/{userId}";

std::string MetaKey(std::string_view name) {
  std::string key;
  storage::AppendKeyPart(&key, "meta");
  storage::AppendKeyPart(&key, name);
  return key;
}

std::string Qualified(const std::string& namespace_id, const std::string& name) {
  return namespace_id + "." + name;
}

template <typename Id, typename Record>
std::vector<Record> Values(std::vector<std::pair<Id, Record>> entries) {
  std::vector<Record> records;
  records.reserve(entries.size());
  for (auto& entry : entries)
    records.push_back(std::move(entry.second));
  return records;
}

std::pair<std::string, std::string> SplitQualified(std::string_view qualified) {
  const size_t dot = qualified.find('.');
  return {std::string(qualified.substr(0, dot)), std::string(qualified.substr(dot + 1))};
}

}  // namespace

Catalog::Catalog(storage::KvStore& kv, const Clock& clock, CatalogOptions options)
    : kv_(kv),
      clock_(clock),
      options_(std::move(options)),
      namespaces_(kv, "ns"),
      storages_(kv, "storage"),
      tables_(kv, "table"),
      table_names_(kv, "table_name"),
      schemas_(kv, "schema"),
      views_(kv, "view"),
      users_(kv, "user"),
      jobs_(kv, "job"),
      revoked_tokens_(kv, "revoked_token"),
      audit_(kv, "audit"),
      registry_([this](std::string_view name) { return LoadTable(name); }) {}

Result<std::unique_ptr<Catalog>> Catalog::Open(storage::KvStore& kv, const Clock& clock,
                                               CatalogOptions options) {
  std::unique_ptr<Catalog> catalog(new Catalog(kv, clock, std::move(options)));
  KALAM_ASSIGN_OR_RETURN(const uint64_t version, catalog->ReadCounter(kSchemaVersionKey));
  if (version > kSystemSchemaVersion) {
    return Status::Unavailable(
        "this data directory was written by a newer KalamDB (system schema "
        "version " +
        std::to_string(version) + "); this build reads up to " + "version " +
        std::to_string(kSystemSchemaVersion) +
        ". Start the newer kalamdb-server, or restore a backup.");
  }
  if (version < kSystemSchemaVersion) {
    KALAM_RETURN_IF_ERROR(catalog->Upgrade(static_cast<uint32_t>(version)));
  }
  return catalog;
}

// Each step upgrades the layout by one version, in one write batch with the new marker.
Status Catalog::Upgrade(uint32_t from_version) {
  for (uint32_t version = from_version; version < kSystemSchemaVersion; ++version) {
    WriteBatch batch;
    if (version == 0) KALAM_RETURN_IF_ERROR(Bootstrap(batch));
    StageCounter(batch, kSchemaVersionKey, version + 1);
    KALAM_RETURN_IF_ERROR(kv_.Write(batch).WithContext("upgrade system schema"));
    KALAM_LOG_INFO("catalog", "upgraded system schema from={} to={}", version, version + 1);
  }
  return Status();
}

// Version 0 → 1: the built-in storage 'local', the 'default' namespace and user 'root'
// (role system, no password: usable from loopback only). Existing records are kept, so
// a directory written before the version marker existed keeps its data.
Status Catalog::Bootstrap(WriteBatch& batch) {
  const int64_t now = clock_.NowMillis();
  KALAM_ASSIGN_OR_RETURN(const auto local, storages_.Get(StorageId(std::string(kLocalStorage))));
  if (!local.has_value()) {
    storages_.Put(batch, StorageId(std::string(kLocalStorage)),
                  {.storage_id = std::string(kLocalStorage),
                   .storage_name = "Local Filesystem",
                   .description = "Built-in storage in the data directory",
                   .storage_type = "filesystem",
                   .base_directory = options_.default_storage_path,
                   .shared_tables_template = std::string(kDefaultSharedTemplate),
                   .user_tables_template = std::string(kDefaultUserTemplate),
                   .created_at = now,
                   .updated_at = now});
  }
  KALAM_ASSIGN_OR_RETURN(const auto default_ns, namespaces_.Get(NamespaceId("default")));
  if (!default_ns.has_value()) {
    namespaces_.Put(batch, NamespaceId("default"), {.name = "default", .created_at = now});
  }
  KALAM_ASSIGN_OR_RETURN(const auto root, users_.Get(UserId("root")));
  if (!root.has_value()) {
    users_.Put(batch, UserId("root"),
               {.user_id = "root",
                .username = "root",
                .role = Role::kSystem,
                .auth_type = "password",
                .created_at = now,
                .updated_at = now});
  }
  return Status();
}

Result<uint64_t> Catalog::ReadCounter(std::string_view name) const {
  KALAM_ASSIGN_OR_RETURN(const std::optional<std::string> bytes,
                         kv_.Get(Partition::kSystem, MetaKey(name)));
  if (!bytes.has_value()) return uint64_t{0};
  storage::RecordReader reader(*bytes);
  const uint64_t value = reader.GetVarint();
  KALAM_RETURN_IF_ERROR(reader.status());
  return value;
}

void Catalog::StageCounter(WriteBatch& batch, std::string_view name, uint64_t value) const {
  storage::RecordWriter writer;
  writer.PutVarint(value);
  batch.Put(Partition::kSystem, MetaKey(name), writer.data());
}

Status WriteSystemSchemaVersion(storage::KvStore& kv, uint64_t version) {
  storage::RecordWriter writer;
  writer.PutVarint(version);
  WriteBatch batch;
  batch.Put(Partition::kSystem, MetaKey(kSchemaVersionKey), writer.data());
  return kv.Write(batch);
}

// ---- namespaces ----

Status Catalog::CreateNamespace(const std::string& name) {
  MutexLock lock(ddl_mu_);
  KALAM_ASSIGN_OR_RETURN(const auto existing, namespaces_.Get(NamespaceId(name)));
  if (existing.has_value()) {
    return Status::AlreadyExists("Namespace '" + name + "' already exists");
  }
  return namespaces_.Put(NamespaceId(name), {.name = name, .created_at = clock_.NowMillis()});
}

Status Catalog::DropNamespace(const std::string& name, bool cascade, const DropCommit& commit) {
  MutexLock lock(ddl_mu_);
  KALAM_ASSIGN_OR_RETURN(const auto existing, namespaces_.Get(NamespaceId(name)));
  if (!existing.has_value()) return Status::NamespaceNotFound("Namespace '" + name + "' not found");
  KALAM_ASSIGN_OR_RETURN(const std::vector<TableRecord> tables, ListTables());
  KALAM_ASSIGN_OR_RETURN(const std::vector<ViewRecord> views, ListViews());
  WriteBatch batch;
  size_t objects = 0;
  std::vector<TableId> dropped;
  for (const TableRecord& table : tables) {
    if (table.namespace_id != name) continue;
    ++objects;
    StageDropTable(batch, table);
    dropped.push_back(table.table_id);
  }
  for (const ViewRecord& view : views) {
    if (view.namespace_id != name) continue;
    ++objects;
    views_.Delete(batch, {view.namespace_id, view.view_name});
  }
  if (objects > 0 && !cascade) {
    return Status::Conflict(
        "Cannot drop namespace '" + name + "': namespace contains " + std::to_string(objects) +
        " table(s) or view(s). Drop them first, or use DROP NAMESPACE " + name + " CASCADE.");
  }
  namespaces_.Delete(batch, NamespaceId(name));
  KALAM_RETURN_IF_ERROR(commit(batch, dropped));
  for (const TableRecord& table : tables) {
    if (table.namespace_id == name) registry_.Invalidate(Qualified(name, table.table_name));
  }
  return Status();
}

Status Catalog::SetNamespaceOptions(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& options) {
  MutexLock lock(ddl_mu_);
  KALAM_ASSIGN_OR_RETURN(std::optional<NamespaceRecord> record, namespaces_.Get(NamespaceId(name)));
  if (!record.has_value()) return Status::NamespaceNotFound("Namespace '" + name + "' not found");
  for (const auto& [key, value] : options) {
    auto it = std::find_if(record->options.begin(), record->options.end(),
                           [&](const auto& option) { return option.first == key; });
    if (it == record->options.end()) {
      record->options.emplace_back(key, value);
    } else {
      it->second = value;
    }
  }
  return namespaces_.Put(NamespaceId(name), *record);
}

Result<std::optional<NamespaceRecord>> Catalog::GetNamespace(const std::string& name) const {
  return namespaces_.Get(NamespaceId(name));
}

Result<std::vector<NamespaceRecord>> Catalog::ListNamespaces() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, namespaces_.List());
  return Values(std::move(entries));
}

// ---- storages ----

Status Catalog::CreateStorage(StorageRecord storage) {
  MutexLock lock(ddl_mu_);
  const StorageId id(storage.storage_id);
  KALAM_ASSIGN_OR_RETURN(const auto existing, storages_.Get(id));
  if (existing.has_value()) {
    return Status::AlreadyExists("Storage '" + storage.storage_id + "' already exists");
  }
  storage.created_at = storage.updated_at = clock_.NowMillis();
  return storages_.Put(id, storage);
}

Status Catalog::AlterStorage(const std::string& storage_id,
                             const std::function<Status(StorageRecord&)>& change) {
  MutexLock lock(ddl_mu_);
  KALAM_ASSIGN_OR_RETURN(std::optional<StorageRecord> record, storages_.Get(StorageId(storage_id)));
  if (!record.has_value()) return Status::NotFound("Storage '" + storage_id + "' not found");
  KALAM_RETURN_IF_ERROR(change(*record));
  record->updated_at = clock_.NowMillis();
  return storages_.Put(StorageId(storage_id), *record);
}

Status Catalog::DropStorage(const std::string& storage_id) {
  MutexLock lock(ddl_mu_);
  if (storage_id == kLocalStorage) {
    return Status::PermissionDenied("Cannot drop storage 'local': it is built in");
  }
  KALAM_ASSIGN_OR_RETURN(const auto existing, storages_.Get(StorageId(storage_id)));
  if (!existing.has_value()) return Status::NotFound("Storage '" + storage_id + "' not found");
  KALAM_ASSIGN_OR_RETURN(const std::vector<TableRecord> tables, ListTables());
  const auto users = std::count_if(tables.begin(), tables.end(), [&](const TableRecord& table) {
    return table.options.storage_id.value() == storage_id;
  });
  if (users > 0) {
    return Status::Conflict("Cannot drop storage '" + storage_id + "': it is used by " +
                            std::to_string(users) + " table(s)");
  }
  return storages_.Delete(StorageId(storage_id));
}

Result<std::optional<StorageRecord>> Catalog::GetStorage(const std::string& storage_id) const {
  return storages_.Get(StorageId(storage_id));
}

Result<std::vector<StorageRecord>> Catalog::ListStorages() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, storages_.List());
  return Values(std::move(entries));
}

// ---- tables ----

Result<std::optional<TableId>> Catalog::FindTableId(const std::string& namespace_id,
                                                    const std::string& name) const {
  KALAM_ASSIGN_OR_RETURN(const auto entry, table_names_.Get({namespace_id, name}));
  if (!entry.has_value()) return std::optional<TableId>();
  return std::optional<TableId>(entry->table_id);
}

Result<bool> Catalog::NameTaken(const std::string& namespace_id, const std::string& name) const {
  KALAM_ASSIGN_OR_RETURN(const auto table, FindTableId(namespace_id, name));
  if (table.has_value()) return true;
  KALAM_ASSIGN_OR_RETURN(const auto view, views_.Get({namespace_id, name}));
  return view.has_value();
}

Result<std::shared_ptr<const CachedTable>> Catalog::CreateTable(
    TableRecord table, std::vector<ColumnDefinition> columns) {
  MutexLock lock(ddl_mu_);
  const std::string qualified = Qualified(table.namespace_id, table.table_name);
  KALAM_ASSIGN_OR_RETURN(const auto ns, namespaces_.Get(NamespaceId(table.namespace_id)));
  if (!ns.has_value()) {
    return Status::NamespaceNotFound("Namespace '" + table.namespace_id + "' not found");
  }
  KALAM_ASSIGN_OR_RETURN(const auto storage, storages_.Get(table.options.storage_id));
  if (!storage.has_value()) {
    return Status::NotFound("Storage '" + table.options.storage_id.value() + "' not found");
  }
  KALAM_ASSIGN_OR_RETURN(const bool taken, NameTaken(table.namespace_id, table.table_name));
  if (taken) return Status::AlreadyExists("Table " + qualified + " already exists");

  KALAM_ASSIGN_OR_RETURN(const uint64_t last_id, ReadCounter(kNextTableIdKey));
  const int64_t now = clock_.NowMillis();
  table.table_id = TableId(last_id + 1);
  table.schema_version = 1;
  table.created_at = table.updated_at = now;
  uint32_t next_column_id = 1;
  for (ColumnDefinition& column : columns)
    column.column_id = next_column_id++;
  SchemaVersionRecord schema{.version = 1,
                             .columns = std::move(columns),
                             .next_column_id = next_column_id,
                             .change = "created",
                             .created_at = now};
  WriteBatch batch;
  StageCounter(batch, kNextTableIdKey, last_id + 1);
  tables_.Put(batch, table.table_id, table);
  table_names_.Put(batch, {table.namespace_id, table.table_name}, {table.table_id});
  schemas_.Put(batch, {table.table_id, 1}, schema);
  KALAM_RETURN_IF_ERROR(kv_.Write(batch));
  auto created = std::make_shared<const CachedTable>(std::move(table), std::move(schema));
  registry_.Put(created);
  return created;
}

Result<std::shared_ptr<const CachedTable>> Catalog::AlterTable(
    const std::string& namespace_id, const std::string& table_name,
    const std::function<Result<TableChange>(const CachedTable&)>& change,
    const AlterCommit& commit) {
  MutexLock lock(ddl_mu_);
  const std::string qualified = Qualified(namespace_id, table_name);
  KALAM_ASSIGN_OR_RETURN(const std::shared_ptr<const CachedTable> current, LoadTable(qualified));
  KALAM_ASSIGN_OR_RETURN(TableChange changed, change(*current));
  if (changed.table.table_id != current->table.table_id ||
      changed.table.namespace_id != namespace_id) {
    return Status::Internal("ALTER TABLE cannot change the id or namespace of " + qualified);
  }
  const bool renamed = changed.table.table_name != table_name;
  if (renamed) {
    KALAM_ASSIGN_OR_RETURN(const bool taken, NameTaken(namespace_id, changed.table.table_name));
    if (taken) {
      return Status::AlreadyExists("a table or view named " +
                                   Qualified(namespace_id, changed.table.table_name) +
                                   " already exists");
    }
  }
  const int64_t now = clock_.NowMillis();
  changed.table.schema_version = current->table.schema_version + 1;
  changed.table.updated_at = now;
  SchemaVersionRecord schema{.version = changed.table.schema_version,
                             .columns = std::move(changed.columns),
                             .next_column_id = changed.next_column_id,
                             .change = std::move(changed.description),
                             .created_at = now};
  WriteBatch batch;
  tables_.Put(batch, changed.table.table_id, changed.table);
  schemas_.Put(batch, {changed.table.table_id, schema.version}, schema);
  if (renamed) {  // the id, rows, history and options stay; only the name index moves
    table_names_.Delete(batch, {namespace_id, table_name});
    table_names_.Put(batch, {namespace_id, changed.table.table_name}, {changed.table.table_id});
  }
  auto altered = std::make_shared<const CachedTable>(std::move(changed.table), std::move(schema));
  bool cached = false;
  const auto cache = [&] {  // the new version is what every later GetTable sees
    if (renamed) registry_.Invalidate(qualified);
    registry_.Put(altered);
    cached = true;
  };
  KALAM_RETURN_IF_ERROR(commit(batch, altered, cache));
  if (!cached) cache();
  return altered;
}

void Catalog::StageDropTable(WriteBatch& batch, const TableRecord& table) const {
  tables_.Delete(batch, table.table_id);
  table_names_.Delete(batch, {table.namespace_id, table.table_name});
  for (uint32_t version = 1; version <= table.schema_version; ++version) {
    schemas_.Delete(batch, {table.table_id, version});
  }
}

Status Catalog::DropTable(const std::string& namespace_id, const std::string& table_name,
                          const DropCommit& commit) {
  MutexLock lock(ddl_mu_);
  const std::string qualified = Qualified(namespace_id, table_name);
  KALAM_ASSIGN_OR_RETURN(const std::shared_ptr<const CachedTable> current, LoadTable(qualified));
  WriteBatch batch;
  StageDropTable(batch, current->table);
  KALAM_RETURN_IF_ERROR(commit(batch, {current->table.table_id}));
  registry_.Invalidate(qualified);
  return Status();
}

Result<std::shared_ptr<const CachedTable>> Catalog::GetTable(const std::string& namespace_id,
                                                             const std::string& table_name) {
  return registry_.Get(Qualified(namespace_id, table_name));
}

Result<std::shared_ptr<const CachedTable>> Catalog::LoadTable(
    std::string_view qualified_name) const {
  const auto [namespace_id, table_name] = SplitQualified(qualified_name);
  const Status not_found =
      Status::TableNotFound("Table " + std::string(qualified_name) + " not found");
  KALAM_ASSIGN_OR_RETURN(const std::optional<TableId> id, FindTableId(namespace_id, table_name));
  if (!id.has_value()) return not_found;
  KALAM_ASSIGN_OR_RETURN(std::optional<TableRecord> table, tables_.Get(*id));
  if (!table.has_value()) return Status::Corruption("table index points at a missing table");
  KALAM_ASSIGN_OR_RETURN(std::optional<SchemaVersionRecord> schema,
                         schemas_.Get({*id, table->schema_version}));
  if (!schema.has_value())
    return Status::Corruption("table " + std::string(qualified_name) +
                              " has no current schema version");
  return std::make_shared<const CachedTable>(std::move(*table), std::move(*schema));
}

Result<std::vector<TableRecord>> Catalog::ListTables() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, tables_.List());
  std::vector<TableRecord> records = Values(std::move(entries));
  std::sort(records.begin(), records.end(), [](const TableRecord& a, const TableRecord& b) {
    return std::tie(a.namespace_id, a.table_name) < std::tie(b.namespace_id, b.table_name);
  });
  return records;
}

Result<std::vector<SchemaVersionRecord>> Catalog::SchemaHistory(TableId table_id) const {
  KALAM_ASSIGN_OR_RETURN(auto entries, schemas_.ListWithIdPrefix(table_id.value()));
  return Values(std::move(entries));
}

// ---- views ----

Status Catalog::CreateView(ViewRecord view, bool or_replace) {
  MutexLock lock(ddl_mu_);
  const std::string qualified = Qualified(view.namespace_id, view.view_name);
  KALAM_ASSIGN_OR_RETURN(const auto ns, namespaces_.Get(NamespaceId(view.namespace_id)));
  if (!ns.has_value())
    return Status::NamespaceNotFound("Namespace '" + view.namespace_id + "' not found");
  KALAM_ASSIGN_OR_RETURN(const auto table, FindTableId(view.namespace_id, view.view_name));
  if (table.has_value()) return Status::AlreadyExists("Table " + qualified + " already exists");
  KALAM_ASSIGN_OR_RETURN(const auto existing, views_.Get({view.namespace_id, view.view_name}));
  if (existing.has_value() && !or_replace) {
    return Status::AlreadyExists("View " + qualified + " already exists");
  }
  view.created_at = clock_.NowMillis();
  return views_.Put({view.namespace_id, view.view_name}, view);
}

Status Catalog::DropView(const std::string& namespace_id, const std::string& view_name) {
  MutexLock lock(ddl_mu_);
  KALAM_ASSIGN_OR_RETURN(const auto existing, views_.Get({namespace_id, view_name}));
  if (!existing.has_value()) {
    return Status::TableNotFound("View " + Qualified(namespace_id, view_name) + " not found");
  }
  return views_.Delete({namespace_id, view_name});
}

Result<std::optional<ViewRecord>> Catalog::GetView(const std::string& namespace_id,
                                                   const std::string& view_name) const {
  return views_.Get({namespace_id, view_name});
}

Result<std::vector<ViewRecord>> Catalog::ListViews() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, views_.List());
  return Values(std::move(entries));
}

// ---- users, jobs, live queries, audit ----

Status Catalog::PutUser(const UserRecord& user) {
  return users_.Put(UserId(user.user_id), user);
}

Result<std::optional<UserRecord>> Catalog::GetUser(const std::string& user_id) const {
  return users_.Get(UserId(user_id));
}

Status Catalog::DeleteUser(const std::string& user_id) {
  return users_.Delete(UserId(user_id));
}

Status Catalog::RevokeToken(const RevokedTokenRecord& token) {
  return revoked_tokens_.Put(TokenId(token.token_id), token);
}

Result<std::vector<RevokedTokenRecord>> Catalog::ListRevokedTokens() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, revoked_tokens_.List());
  std::vector<RevokedTokenRecord> tokens;
  for (auto& [id, record] : entries)
    tokens.push_back(std::move(record));
  return tokens;
}

Result<std::vector<UserRecord>> Catalog::ListUsers() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, users_.List());
  return Values(std::move(entries));
}

Status Catalog::PutJob(const JobRecord& job) {
  return jobs_.Put(JobId(job.job_id), job);
}

Status Catalog::DeleteJobs(const std::vector<std::string>& job_ids) {
  storage::WriteBatch batch;
  for (const std::string& id : job_ids)
    jobs_.Delete(batch, JobId(id));
  return kv_.Write(batch);
}

Result<std::vector<JobRecord>> Catalog::ListJobs() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, jobs_.List());
  return Values(std::move(entries));
}

Status Catalog::AppendAudit(const AuditLogRecord& entry) {
  int64_t id = 0;
  const auto [end, error] =
      std::from_chars(entry.audit_id.data(), entry.audit_id.data() + entry.audit_id.size(), id);
  if (error != std::errc() || end != entry.audit_id.data() + entry.audit_id.size()) {
    return Status::InvalidArgument("audit id must be a Snowflake id");
  }
  return audit_.Put(id, entry);
}

Result<std::vector<AuditLogRecord>> Catalog::ListAudit() const {
  KALAM_ASSIGN_OR_RETURN(auto entries, audit_.List());
  return Values(std::move(entries));
}

}  // namespace kalam::catalog

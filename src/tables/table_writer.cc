#include "tables/table_writer.h"

#include <set>

#include "storage/key_codec.h"
#include "tables/coerce.h"
#include "tables/table_reader.h"

namespace kalam::tables {
namespace {

using catalog::CachedTable;

std::string DisplayValue(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kInt32:
    case Value::Kind::kInt64:
      return std::to_string(value.integer);
    case Value::Kind::kBoolean:
      return value.boolean ? "true" : "false";
    default:
      return value.text;
  }
}

// Index of the primary-key column, or kInvalidArgument for tables without one.
Result<size_t> PrimaryKeyIndex(const CachedTable& table, std::string_view operation) {
  const auto& columns = table.schema.columns;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].primary_key) return i;
  }
  return Status::InvalidArgument(std::string(operation) +
                                 " by primary key needs a table with a "
                                 "primary key; " +
                                 table.qualified_name + " has none");
}

Status CheckRow(const CachedTable& table, const std::vector<Value>& row) {
  const auto& columns = table.schema.columns;
  if (row.size() != columns.size()) {
    return Status::Internal("row has " + std::to_string(row.size()) + " values for " +
                            std::to_string(columns.size()) + " columns");
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    KALAM_RETURN_IF_ERROR(CheckColumnValue(columns[i], row[i]));
  }
  return Status();
}

Status ChangedConcurrently(const CachedTable& table) {
  return Status::Conflict("a row of " + table.qualified_name +
                          " was changed by a concurrent statement; nothing was written, retry");
}

Status Duplicate(const CachedTable& table, size_t pk_index, const Value& value) {
  return Status::DuplicateKey("Primary key violation: value '" + DisplayValue(value) +
                              "' already exists in column '" + table.schema.columns[pk_index].name +
                              "'");
}

}  // namespace

Result<std::optional<PrimaryKeyEntry>> TableWriter::LookUp(const std::string& pk_key) const {
  KALAM_ASSIGN_OR_RETURN(const std::optional<std::string> bytes,
                         kv_.Get(storage::Partition::kPrimaryKey, pk_key));
  if (!bytes.has_value()) return std::optional<PrimaryKeyEntry>();
  KALAM_ASSIGN_OR_RETURN(const PrimaryKeyEntry entry, DecodePrimaryKeyEntry(*bytes));
  return std::optional<PrimaryKeyEntry>(entry);
}

Status TableWriter::CommitTableDrop(storage::WriteBatch& batch,
                                    const std::vector<TableId>& tables) {
  MutexLock lock(commit_mu_);
  for (const TableId table : tables)
    StageDeleteTableRows(batch, table);
  KALAM_RETURN_IF_ERROR(kv_.Write(batch));
  dropped_.insert(tables.begin(), tables.end());
  return Status();
}

Status TableWriter::CommitSchemaChange(storage::WriteBatch& batch, const CachedTable& altered,
                                       const std::function<Status()>& check,
                                       const std::function<void()>& written) {
  MutexLock lock(commit_mu_);
  KALAM_RETURN_IF_ERROR(check());
  KALAM_RETURN_IF_ERROR(kv_.Write(batch));
  written();
  schema_versions_[altered.table.table_id] = altered.table.schema_version;
  return Status();
}

bool TableWriter::IsCurrent(const CachedTable& table) const {
  MutexLock lock(commit_mu_);
  return CheckCurrent(table).ok();
}

Status TableWriter::CheckCurrent(const CachedTable& table) const {
  if (dropped_.contains(table.table.table_id)) {
    return Status::TableNotFound("Table " + table.qualified_name +
                                 " was dropped while the statement ran; nothing was written");
  }
  const auto it = schema_versions_.find(table.table.table_id);
  if (it == schema_versions_.end() || it->second <= table.table.schema_version) return Status();
  return Status::Conflict("table " + table.qualified_name +
                          " was altered while the statement ran; nothing was written, run it "
                          "again");
}

Result<size_t> TableWriter::Commit(storage::WriteBatch& batch, std::vector<ChangeRecord>& changes) {
  if (changes.empty()) return size_t{0};
  KALAM_RETURN_IF_ERROR(kv_.Write(batch));
  const size_t count = changes.size();
  last_seq_ = changes.back().seq;
  bus_.Publish(std::move(changes));  // after the write is durable, still in commit order
  return count;
}

Result<TableWriter::PinnedView> TableWriter::OpenPinnedView(int64_t now_millis) const {
  MutexLock lock(commit_mu_);
  if (last_seq_ == 0) {
    KALAM_ASSIGN_OR_RETURN(last_seq_, snowflake_.Next());
  }
  return PinnedView{ReadView::Open(kv_, now_millis), last_seq_};
}

Result<size_t> TableWriter::Insert(const CachedTable& table, const std::string& scope,
                                   const std::vector<std::vector<Value>>& rows) {
  for (const std::vector<Value>& row : rows)
    KALAM_RETURN_IF_ERROR(CheckRow(table, row));
  const TableId id = table.table.table_id;
  const uint32_t version = table.schema.version;
  const bool keyed = HasPrimaryKeyIndex(table.table.table_type);
  std::optional<size_t> pk_index;
  if (keyed) {
    KALAM_ASSIGN_OR_RETURN(pk_index, PrimaryKeyIndex(table, "INSERT"));
  }
  MutexLock lock(commit_mu_);
  KALAM_RETURN_IF_ERROR(CheckCurrent(table));
  storage::WriteBatch batch;
  std::vector<ChangeRecord> changes;
  std::set<std::string> statement_keys;
  for (const std::vector<Value>& row : rows) {
    KALAM_ASSIGN_OR_RETURN(const int64_t seq, snowflake_.Next());
    if (pk_index.has_value()) {
      KALAM_ASSIGN_OR_RETURN(const std::string pk_key, PrimaryKeyKey(id, scope, row[*pk_index]));
      KALAM_ASSIGN_OR_RETURN(const auto existing, LookUp(pk_key));
      if ((existing.has_value() && !existing->deleted) || !statement_keys.insert(pk_key).second) {
        return Duplicate(table, *pk_index, row[*pk_index]);
      }
      batch.Put(storage::Partition::kPrimaryKey, pk_key, EncodePrimaryKeyEntry({seq, false}));
    }
    batch.Put(RowPartition(table.table.table_type), RowKey(id, scope, seq),
              EncodeRowValue(false, table.schema.columns, row));
    changes.push_back({id, version, scope, ChangeRecord::Op::kInsert, {}, row, seq});
  }
  return Commit(batch, changes);
}

Result<size_t> TableWriter::Update(const CachedTable& table, const std::string& scope,
                                   const std::vector<std::vector<Value>>& rows,
                                   const std::vector<int64_t>& expected_seqs) {
  if (table.table.table_type == catalog::TableType::kStream) {
    return Status::InvalidArgument("STREAM tables are append-only: UPDATE is not supported");
  }
  for (const std::vector<Value>& row : rows)
    KALAM_RETURN_IF_ERROR(CheckRow(table, row));
  KALAM_ASSIGN_OR_RETURN(const size_t pk_index, PrimaryKeyIndex(table, "UPDATE"));
  const TableId id = table.table.table_id;
  const uint32_t version = table.schema.version;
  MutexLock lock(commit_mu_);
  KALAM_RETURN_IF_ERROR(CheckCurrent(table));
  storage::WriteBatch batch;
  std::vector<ChangeRecord> changes;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::vector<Value>& row = rows[i];
    KALAM_ASSIGN_OR_RETURN(std::optional<RowVersion> old, Latest(table, scope, row[pk_index]));
    const bool checked = i < expected_seqs.size();
    if (checked && (!old.has_value() || old->seq != expected_seqs[i]))
      return ChangedConcurrently(table);
    if (!old.has_value()) continue;
    KALAM_ASSIGN_OR_RETURN(const std::string pk_key, PrimaryKeyKey(id, scope, row[pk_index]));
    KALAM_ASSIGN_OR_RETURN(const int64_t seq, snowflake_.Next());
    batch.Put(storage::Partition::kPrimaryKey, pk_key, EncodePrimaryKeyEntry({seq, false}));
    batch.Put(RowPartition(table.table.table_type), RowKey(id, scope, seq),
              EncodeRowValue(false, table.schema.columns, row));
    changes.push_back({id, version, scope, ChangeRecord::Op::kUpdate, std::move(old->values), row,
                       seq, old->seq});
  }
  return Commit(batch, changes);
}

Result<size_t> TableWriter::Delete(const CachedTable& table, const std::string& scope,
                                   const std::vector<Value>& primary_keys,
                                   const std::vector<int64_t>& expected_seqs) {
  KALAM_RETURN_IF_ERROR(PrimaryKeyIndex(table, "DELETE"));
  const TableId id = table.table.table_id;
  const uint32_t version = table.schema.version;
  MutexLock lock(commit_mu_);
  KALAM_RETURN_IF_ERROR(CheckCurrent(table));
  storage::WriteBatch batch;
  std::vector<ChangeRecord> changes;
  std::set<std::string> statement_keys;
  for (size_t i = 0; i < primary_keys.size(); ++i) {
    const Value& key = primary_keys[i];
    KALAM_ASSIGN_OR_RETURN(const std::string pk_key, PrimaryKeyKey(id, scope, key));
    if (!statement_keys.insert(pk_key).second) continue;  // deleted once per statement
    KALAM_ASSIGN_OR_RETURN(std::optional<RowVersion> old, Latest(table, scope, key));
    const bool checked = i < expected_seqs.size();
    if (checked && (!old.has_value() || old->seq != expected_seqs[i]))
      return ChangedConcurrently(table);
    if (!old.has_value()) continue;
    KALAM_ASSIGN_OR_RETURN(const int64_t seq, snowflake_.Next());
    batch.Put(storage::Partition::kPrimaryKey, pk_key, EncodePrimaryKeyEntry({seq, true}));
    batch.Put(RowPartition(table.table.table_type), RowKey(id, scope, seq),
              EncodeRowValue(true, table.schema.columns, old->values));  // tombstone keeps values
    changes.push_back(
        {id, version, scope, ChangeRecord::Op::kDelete, old->values, old->values, seq, old->seq});
  }
  return Commit(batch, changes);
}

Result<size_t> TableWriter::DeleteEvents(const CachedTable& table, const std::string& scope,
                                         const std::vector<int64_t>& seqs) {
  if (table.table.table_type != catalog::TableType::kStream) {
    return Status::Internal("DeleteEvents is for STREAM tables");
  }
  const TableId id = table.table.table_id;
  const uint32_t version = table.schema.version;
  const storage::Partition partition = RowPartition(table.table.table_type);
  MutexLock lock(commit_mu_);
  KALAM_RETURN_IF_ERROR(CheckCurrent(table));
  storage::WriteBatch batch;
  std::vector<ChangeRecord> changes;
  for (const int64_t seq : std::set<int64_t>(seqs.begin(), seqs.end())) {
    const std::string key = RowKey(id, scope, seq);
    KALAM_ASSIGN_OR_RETURN(const std::optional<std::string> bytes, kv_.Get(partition, key));
    if (!bytes.has_value()) continue;
    KALAM_ASSIGN_OR_RETURN(RowVersion old, DecodeRowValue(key, *bytes, table.schema.columns));
    batch.Delete(partition, key);
    // The change gets a _seq of its own (events keep none), so _seq still increases along
    // the change feed; old_seq names the event removed.
    KALAM_ASSIGN_OR_RETURN(const int64_t change_seq, snowflake_.Next());
    changes.push_back(
        {id, version, scope, ChangeRecord::Op::kDelete, old.values, old.values, change_seq, seq});
  }
  return Commit(batch, changes);
}

Result<size_t> TableWriter::EvictEvents(const CachedTable& table, int64_t cutoff_seq,
                                        size_t max_events) {
  if (table.table.table_type != catalog::TableType::kStream) {
    return Status::Internal("EvictEvents is for STREAM tables");
  }
  const TableId id = table.table.table_id;
  const storage::Partition partition = RowPartition(table.table.table_type);
  const std::string table_end = storage::PrefixSuccessor(TablePrefix(id));
  storage::WriteBatch batch;
  size_t evicted = 0;
  // Each scope's events are ordered by _seq, so its expired ones are a leading range: count
  // them, delete the range, and skip the scope's live tail by starting after its prefix.
  std::string begin = TablePrefix(id);
  while (evicted < max_events) {
    std::unique_ptr<storage::KvIterator> it = kv_.NewIterator(partition, {begin, table_end});
    std::optional<std::string> scope;
    int64_t last = 0;     // the scope's newest expired _seq
    size_t in_scope = 0;  // how many of its events expired
    for (; it->Valid() && evicted < max_events; it->Next()) {
      storage::KeyReader reader(it->key());
      uint64_t table_id = 0;
      std::string key_scope;
      int64_t seq = 0;
      if (!reader.Read(&table_id) || !reader.Read(&key_scope) || !reader.Read(&seq)) {
        return Status::Corruption("malformed row key");
      }
      if (scope.has_value() && key_scope != *scope) break;
      scope = key_scope;
      if (seq >= cutoff_seq) break;
      last = seq;
      ++in_scope;
      ++evicted;
    }
    KALAM_RETURN_IF_ERROR(it->status());
    if (!scope.has_value()) break;  // no scope left
    if (in_scope > 0) {
      batch.DeleteRange(partition, ScopePrefix(id, *scope), RowKey(id, *scope, last + 1));
    }
    begin = storage::PrefixSuccessor(ScopePrefix(id, *scope));
  }
  if (batch.empty()) return evicted;
  MutexLock lock(commit_mu_);  // every write goes through the commit point
  // An ALTER or a DROP since `table` was read: the cutoff or the table may be stale.
  KALAM_RETURN_IF_ERROR(CheckCurrent(table));
  KALAM_RETURN_IF_ERROR(kv_.Write(batch));
  return evicted;
}

Status TableWriter::DeleteScope(std::span<const std::shared_ptr<const CachedTable>> tables,
                                const std::string& scope) {
  storage::WriteBatch batch;
  for (const std::shared_ptr<const CachedTable>& table : tables) {
    const std::string prefix = ScopePrefix(table->table.table_id, scope);
    const std::string end = storage::PrefixSuccessor(prefix);
    batch.DeleteRange(RowPartition(table->table.table_type), prefix, end);
    if (HasPrimaryKeyIndex(table->table.table_type)) {
      batch.DeleteRange(storage::Partition::kPrimaryKey, prefix, end);
    }
  }
  if (batch.empty()) return Status();
  MutexLock lock(commit_mu_);
  return kv_.Write(batch);
}

Result<std::optional<RowVersion>> TableWriter::Latest(const CachedTable& table,
                                                      const std::string& scope,
                                                      const Value& primary_key) const {
  // Under the commit lock the current state is what the next commit builds on.
  return TableReader::Get(*CurrentReadView(), table, scope, primary_key);
}

}  // namespace kalam::tables

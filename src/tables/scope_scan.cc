#include "tables/scope_scan.h"

#include "common/snowflake.h"

namespace kalam::tables {

ScopeScan::ScopeScan(const storage::KvStore& kv, std::shared_ptr<const catalog::CachedTable> table,
                     const std::string& scope, ScopeScanOptions options)
    : kv_(kv),
      table_(std::move(table)),
      scope_(scope),
      options_(options),
      snapshot_(kv.GetSnapshot()),
      rows_(kv.NewIterator(RowPartition(table_->table.table_type),
                           storage::KeyRange::Prefix(ScopePrefix(table_->table.table_id, scope_)),
                           {.snapshot = snapshot_.get()})) {}

Status ScopeScan::Next(size_t max_rows, std::vector<RowVersion>& out) {
  out.clear();
  // A batch may hold only superseded versions: read on until a row is kept or rows end.
  while (out.empty() && rows_->Valid()) {
    KALAM_RETURN_IF_ERROR(ReadBatch(max_rows, out));
    KALAM_RETURN_IF_ERROR(KeepLatest(out));
  }
  return rows_->status();
}

bool ScopeScan::Expired(const RowVersion& version) const {
  const std::optional<uint64_t> ttl = table_->table.options.ttl_seconds;
  return ttl.has_value() &&
         DecodeSnowflake(version.seq).unix_millis + static_cast<int64_t>(*ttl) * 1000 <
             options_.now_millis;
}

Status ScopeScan::ReadBatch(size_t max_rows, std::vector<RowVersion>& batch) {
  for (; rows_->Valid() && batch.size() < max_rows; rows_->Next()) {
    ++versions_read_;
    KALAM_ASSIGN_OR_RETURN(RowVersion version,
                           DecodeRowValue(rows_->key(), rows_->value(), table_->schema.columns));
    if (!Expired(version)) batch.push_back(std::move(version));
  }
  return rows_->status();
}

Status ScopeScan::KeepLatest(std::vector<RowVersion>& batch) const {
  const catalog::ColumnDefinition* pk = table_->PrimaryKey();
  if (table_->table.table_type == catalog::TableType::kStream || pk == nullptr) {
    return Status();  // events, not versions of keyed rows
  }
  const size_t pk_index = static_cast<size_t>(pk - table_->schema.columns.data());
  std::vector<std::string> keys;
  keys.reserve(batch.size());
  for (const RowVersion& version : batch) {
    KALAM_ASSIGN_OR_RETURN(std::string key,
                           PrimaryKeyKey(table_->table.table_id, scope_, version.values[pk_index]));
    keys.push_back(std::move(key));
  }
  KALAM_ASSIGN_OR_RETURN(const auto entries,
                         kv_.MultiGet(storage::Partition::kPrimaryKey, keys, snapshot_.get()));
  size_t kept = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!entries[i].has_value()) continue;
    KALAM_ASSIGN_OR_RETURN(const PrimaryKeyEntry entry, DecodePrimaryKeyEntry(*entries[i]));
    const bool latest = entry.seq == batch[i].seq;
    if (latest && (options_.include_deleted || !batch[i].deleted)) {
      if (kept != i) batch[kept] = std::move(batch[i]);
      ++kept;
    }
  }
  batch.resize(kept);
  return Status();
}

}  // namespace kalam::tables

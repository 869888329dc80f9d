#include "tables/table_reader.h"

#include <limits>

#include "common/snowflake.h"

namespace kalam::tables {
namespace {

// The row keys of `spec`'s scope between its _seq bounds.
storage::KeyRange RowRange(const ScanSpec& spec) {
  const TableId id = spec.table->table.table_id;
  if (spec.every_scope) return storage::KeyRange::Prefix(TablePrefix(id));  // bounds: in ReadBatch
  storage::KeyRange range = storage::KeyRange::Prefix(ScopePrefix(id, spec.scope));
  constexpr int64_t kMaxSeq = std::numeric_limits<int64_t>::max();
  if (spec.min_seq.has_value() && *spec.min_seq < kMaxSeq) {
    range.begin = RowKey(id, spec.scope, std::max<int64_t>(*spec.min_seq + 1, 0));
  }
  if (spec.max_seq.has_value() && *spec.max_seq < kMaxSeq) {
    range.end = RowKey(id, spec.scope, std::max<int64_t>(*spec.max_seq + 1, 0));
  }
  if (spec.min_seq.value_or(0) == kMaxSeq) range.end = range.begin;  // nothing is above it
  return range;
}

}  // namespace

TableReader::TableReader(std::shared_ptr<const ReadView> view, ScanSpec spec)
    : view_(std::move(view)),
      spec_(std::move(spec)),
      rows_(spec_.primary_key.has_value()
                ? nullptr
                : view_->kv().NewIterator(RowPartition(spec_.table->table.table_type),
                                          RowRange(spec_), {.snapshot = view_->snapshot()})) {}

Status TableReader::Next(size_t max_rows, std::vector<RowVersion>& out) {
  out.clear();
  if (spec_.primary_key.has_value()) return NextByKey(out);
  // A batch may hold only superseded versions: read on until a row is kept or rows end.
  while (out.empty() && rows_->Valid()) {
    KALAM_RETURN_IF_ERROR(ReadBatch(max_rows, out));
    if (!spec_.all_versions) KALAM_RETURN_IF_ERROR(KeepLatest(out));
  }
  return rows_->status();
}

Status TableReader::NextByKey(std::vector<RowVersion>& out) {
  if (key_read_) return Status();
  key_read_ = true;
  KALAM_ASSIGN_OR_RETURN(
      std::optional<RowVersion> row,
      Get(*view_, *spec_.table, spec_.scope, *spec_.primary_key, spec_.include_deleted));
  if (!row.has_value()) return Status();
  ++versions_read_;
  const bool in_bounds = (!spec_.min_seq.has_value() || row->seq > *spec_.min_seq) &&
                         (!spec_.max_seq.has_value() || row->seq <= *spec_.max_seq);
  if (in_bounds && !Expired(*row)) out.push_back(std::move(*row));
  return Status();
}

bool TableReader::Expired(const RowVersion& version) const {
  const std::optional<uint64_t> ttl = spec_.table->table.options.ttl_seconds;
  return ttl.has_value() &&
         DecodeSnowflake(version.seq).unix_millis + static_cast<int64_t>(*ttl) * 1000 <
             view_->now_millis();
}

Status TableReader::ReadBatch(size_t max_rows, std::vector<RowVersion>& batch) {
  for (; rows_->Valid() && batch.size() < max_rows; rows_->Next()) {
    ++versions_read_;
    KALAM_ASSIGN_OR_RETURN(RowVersion version, DecodeRowValue(rows_->key(), rows_->value(),
                                                              spec_.table->schema.columns));
    // Across scopes the _seq bounds cannot narrow the key range: they filter here.
    const bool in_bounds =
        !spec_.every_scope ||
        (version.seq > spec_.min_seq.value_or(std::numeric_limits<int64_t>::min()) &&
         version.seq <= spec_.max_seq.value_or(std::numeric_limits<int64_t>::max()));
    if (in_bounds && !Expired(version)) batch.push_back(std::move(version));
  }
  return rows_->status();
}

Status TableReader::KeepLatest(std::vector<RowVersion>& batch) const {
  const catalog::CachedTable& table = *spec_.table;
  const catalog::ColumnDefinition* pk = table.PrimaryKey();
  if (!HasPrimaryKeyIndex(table.table.table_type) || pk == nullptr) {
    return Status();  // events, not versions of keyed rows
  }
  const size_t pk_index = static_cast<size_t>(pk - table.schema.columns.data());
  std::vector<std::string> keys;
  keys.reserve(batch.size());
  for (const RowVersion& version : batch) {
    KALAM_ASSIGN_OR_RETURN(
        std::string key,
        PrimaryKeyKey(table.table.table_id, spec_.every_scope ? version.scope : spec_.scope,
                      version.values[pk_index]));
    keys.push_back(std::move(key));
  }
  KALAM_ASSIGN_OR_RETURN(const auto entries, view_->kv().MultiGet(storage::Partition::kPrimaryKey,
                                                                  keys, view_->snapshot()));
  size_t kept = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!entries[i].has_value()) continue;
    KALAM_ASSIGN_OR_RETURN(const PrimaryKeyEntry entry, DecodePrimaryKeyEntry(*entries[i]));
    const bool latest = entry.seq == batch[i].seq;
    if (latest && (spec_.include_deleted || !batch[i].deleted)) {
      if (kept != i) batch[kept] = std::move(batch[i]);
      ++kept;
    }
  }
  batch.resize(kept);
  return Status();
}

Result<std::optional<RowVersion>> TableReader::Get(const ReadView& view,
                                                   const catalog::CachedTable& table,
                                                   std::string_view scope, const Value& primary_key,
                                                   bool include_deleted) {
  if (!HasPrimaryKeyIndex(table.table.table_type)) {
    return Status::Internal(table.qualified_name + " has no primary-key index to read by key");
  }
  const TableId id = table.table.table_id;
  KALAM_ASSIGN_OR_RETURN(const std::string pk_key, PrimaryKeyKey(id, scope, primary_key));
  KALAM_ASSIGN_OR_RETURN(const std::optional<std::string> entry_bytes,
                         view.kv().Get(storage::Partition::kPrimaryKey, pk_key, view.snapshot()));
  if (!entry_bytes.has_value()) return std::optional<RowVersion>();
  KALAM_ASSIGN_OR_RETURN(const PrimaryKeyEntry entry, DecodePrimaryKeyEntry(*entry_bytes));
  if (entry.deleted && !include_deleted) return std::optional<RowVersion>();
  const std::string row_key = RowKey(id, scope, entry.seq);
  KALAM_ASSIGN_OR_RETURN(
      const std::optional<std::string> row_bytes,
      view.kv().Get(RowPartition(table.table.table_type), row_key, view.snapshot()));
  if (!row_bytes.has_value()) {
    return Status::Corruption("primary-key index of " + table.qualified_name +
                              " points at a missing row version");
  }
  KALAM_ASSIGN_OR_RETURN(RowVersion version,
                         DecodeRowValue(row_key, *row_bytes, table.schema.columns));
  return std::optional<RowVersion>(std::move(version));
}

Result<uint64_t> TableReader::CountVersions(const ReadView& view, const catalog::CachedTable& table,
                                            std::string_view scope) {
  uint64_t count = 0;
  const std::unique_ptr<storage::KvIterator> rows =
      view.kv().NewIterator(RowPartition(table.table.table_type),
                            storage::KeyRange::Prefix(ScopePrefix(table.table.table_id, scope)),
                            {.snapshot = view.snapshot()});
  for (; rows->Valid(); rows->Next())
    ++count;
  return rows->status().ok() ? Result<uint64_t>(count) : Result<uint64_t>(rows->status());
}

}  // namespace kalam::tables

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/types.h"
#include "common/ids.h"
#include "common/result.h"
#include "common/value.h"
#include "storage/kv_store.h"

// Keys and values of hot rows and of the primary-key index (see src/storage/README.md).
//   row:      <partition by table type>  table_id | scope | _seq  →  flags | EncodeRow(...)
//   pk index: pk_index                   table_id | scope | pk    →  varint _seq | deleted
// scope is the user id for USER/STREAM tables and "" for SHARED ones, so one user's rows
// of one table are one contiguous range ordered by _seq.
namespace kalam::tables {

storage::Partition RowPartition(catalog::TableType type);

// Whether a table's rows are versions of keys with a primary-key index. STREAM tables hold
// events: no index, no versions, so no point reads by key.
inline bool HasPrimaryKeyIndex(catalog::TableType type) {
  return type != catalog::TableType::kStream;
}

std::string TablePrefix(TableId table_id);  // every scope of the table
std::string ScopePrefix(TableId table_id, std::string_view scope);
// Adds to `batch` the deletion of every row version and index entry of the table.
void StageDeleteTableRows(storage::WriteBatch& batch, TableId table_id);
std::string RowKey(TableId table_id, std::string_view scope, int64_t seq);
// kInvalidArgument for a NULL key or a type that cannot be a primary key.
Result<std::string> PrimaryKeyKey(TableId table_id, std::string_view scope, const Value& pk);

struct RowVersion {
  int64_t seq = 0;
  bool deleted = false;
  std::vector<Value> values;  // one per column of the reader's schema
  std::string scope;          // the owning user id (USER/STREAM) or "" (SHARED)
};

std::string EncodeRowValue(bool deleted, std::span<const catalog::ColumnDefinition> columns,
                           std::span<const Value> values);
Result<RowVersion> DecodeRowValue(std::string_view key, std::string_view value,
                                  std::span<const catalog::ColumnDefinition> columns);

struct PrimaryKeyEntry {
  int64_t seq = 0;
  bool deleted = false;
};
std::string EncodePrimaryKeyEntry(const PrimaryKeyEntry& entry);
Result<PrimaryKeyEntry> DecodePrimaryKeyEntry(std::string_view value);

}  // namespace kalam::tables

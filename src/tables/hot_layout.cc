#include "tables/hot_layout.h"

#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "tables/row_codec.h"

namespace kalam::tables {
namespace {
constexpr uint8_t kDeletedFlag = 1;
}  // namespace

storage::Partition RowPartition(catalog::TableType type) {
  switch (type) {
    case catalog::TableType::kShared:
      return storage::Partition::kSharedRows;
    case catalog::TableType::kStream:
      return storage::Partition::kStreamRows;
    default:
      return storage::Partition::kUserRows;
  }
}

std::string TablePrefix(TableId table_id) {
  std::string key;
  storage::AppendKeyPart(&key, table_id.value());
  return key;
}

std::string ScopePrefix(TableId table_id, std::string_view scope) {
  std::string key = TablePrefix(table_id);
  storage::AppendKeyPart(&key, scope);
  return key;
}

void StageDeleteTableRows(storage::WriteBatch& batch, TableId table_id) {
  const std::string prefix = TablePrefix(table_id);
  const std::string end = storage::PrefixSuccessor(prefix);
  for (const storage::Partition partition :
       {storage::Partition::kUserRows, storage::Partition::kSharedRows,
        storage::Partition::kStreamRows, storage::Partition::kPrimaryKey}) {
    batch.DeleteRange(partition, prefix, end);
  }
}

std::string RowKey(TableId table_id, std::string_view scope, int64_t seq) {
  std::string key = ScopePrefix(table_id, scope);
  storage::AppendKeyPart(&key, seq);
  return key;
}

Result<std::string> PrimaryKeyKey(TableId table_id, std::string_view scope, const Value& pk) {
  std::string key = ScopePrefix(table_id, scope);
  switch (pk.kind) {
    case Value::Kind::kInt32:
    case Value::Kind::kInt64:
    case Value::Kind::kDate:
    case Value::Kind::kTime:
    case Value::Kind::kTimestamp:
      storage::AppendKeyPart(&key, pk.integer);
      break;
    case Value::Kind::kBoolean:
      storage::AppendKeyPart(&key, int64_t{pk.boolean ? 1 : 0});
      break;
    case Value::Kind::kText:
    case Value::Kind::kDecimal:  // normalised by coercion, so equal values have equal text
    case Value::Kind::kBytes:
      storage::AppendKeyPart(&key, pk.text);
      break;
    case Value::Kind::kNull:
      return Status::NotNullViolation("a primary key cannot be NULL");
    default:
      return Status::InvalidArgument("this value cannot be a primary key");
  }
  return key;
}

std::string EncodeRowValue(bool deleted, std::span<const catalog::ColumnDefinition> columns,
                           std::span<const Value> values) {
  std::string value(1, static_cast<char>(deleted ? kDeletedFlag : 0));
  value += EncodeRow(columns, values);
  return value;
}

Result<RowVersion> DecodeRowValue(std::string_view key, std::string_view value,
                                  std::span<const catalog::ColumnDefinition> columns) {
  if (value.empty()) return Status::Corruption("empty row value");
  storage::KeyReader reader(key);
  uint64_t table = 0;
  std::string scope;
  int64_t seq = 0;
  if (!reader.Read(&table) || !reader.Read(&scope) || !reader.Read(&seq) || !reader.AtEnd()) {
    return Status::Corruption("malformed row key");
  }
  KALAM_ASSIGN_OR_RETURN(std::vector<Value> values, DecodeRow(value.substr(1), columns));
  return RowVersion{seq, (static_cast<uint8_t>(value[0]) & kDeletedFlag) != 0, std::move(values),
                    std::move(scope)};
}

std::string EncodePrimaryKeyEntry(const PrimaryKeyEntry& entry) {
  storage::RecordWriter writer;
  writer.PutSignedVarint(entry.seq);
  writer.PutBool(entry.deleted);
  return writer.Release();
}

Result<PrimaryKeyEntry> DecodePrimaryKeyEntry(std::string_view value) {
  storage::RecordReader reader(value);
  PrimaryKeyEntry entry{reader.GetSignedVarint(), reader.GetBool()};
  KALAM_RETURN_IF_ERROR(reader.status());
  if (!reader.AtEnd()) return Status::Corruption("primary-key entry has trailing bytes");
  return entry;
}

}  // namespace kalam::tables

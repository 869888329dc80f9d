#include "catalog/schema_registry.h"

#include <mutex>

namespace kalam::catalog {

CachedTable::CachedTable(TableRecord table_record, SchemaVersionRecord schema_record)
    : table(std::move(table_record)),
      schema(std::move(schema_record)),
      qualified_name(table.namespace_id + "." + table.table_name) {
  for (const ColumnDefinition& column : schema.columns) {
    engine_columns.push_back({column.name, column.type.ToDuckDb(), false});
  }
  engine_columns.push_back({"_seq", "BIGINT", true});
  if (table.table_type != TableType::kStream)
    engine_columns.push_back({"_deleted", "BOOLEAN", true});
}

const ColumnDefinition* CachedTable::FindColumn(std::string_view name) const {
  for (const ColumnDefinition& column : schema.columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

const ColumnDefinition* CachedTable::PrimaryKey() const {
  for (const ColumnDefinition& column : schema.columns) {
    if (column.primary_key) return &column;
  }
  return nullptr;
}

size_t CachedTable::ApproximateBytes() const {
  size_t bytes = sizeof(CachedTable) + qualified_name.size() + table.namespace_id.size() +
                 table.table_name.size() + schema.change.size();
  for (const ColumnDefinition& column : schema.columns) {
    bytes += sizeof(ColumnDefinition) + column.name.size() + column.comment.size() +
             column.default_value.literal.size();
  }
  for (const EngineColumn& column : engine_columns) {
    bytes += sizeof(EngineColumn) + column.duckdb_type.size();
  }
  return bytes;
}

Result<std::shared_ptr<const CachedTable>> SchemaRegistry::Get(std::string_view qualified_name) {
  uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    if (const auto it = tables_.find(qualified_name); it != tables_.end()) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second;
    }
    generation = generation_;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  KALAM_ASSIGN_OR_RETURN(std::shared_ptr<const CachedTable> loaded, loader_(qualified_name));
  std::unique_lock lock(mu_);
  if (generation == generation_) tables_.emplace(std::string(qualified_name), loaded);
  return loaded;
}

void SchemaRegistry::Invalidate(std::string_view qualified_name) {
  std::unique_lock lock(mu_);
  ++generation_;
  if (const auto it = tables_.find(qualified_name); it != tables_.end()) tables_.erase(it);
}

void SchemaRegistry::Put(std::shared_ptr<const CachedTable> table) {
  std::unique_lock lock(mu_);
  ++generation_;
  tables_.insert_or_assign(table->qualified_name, std::move(table));
}

SchemaCacheStats SchemaRegistry::Stats() const {
  std::shared_lock lock(mu_);
  SchemaCacheStats stats{.hits = hits_.load(), .misses = misses_.load(), .entries = tables_.size()};
  for (const auto& [name, table] : tables_) {
    stats.approximate_bytes += name.size() + sizeof(name) + table->ApproximateBytes();
  }
  return stats;
}

}  // namespace kalam::catalog

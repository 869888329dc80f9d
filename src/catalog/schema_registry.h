#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/records.h"
#include "common/result.h"

namespace kalam::catalog {

// A column as the query engine sees it (user columns, then system columns).
struct EngineColumn {
  std::string_view name;  // points into the owning CachedTable (or a static literal)
  std::string duckdb_type;
  bool system = false;  // _seq / _deleted
};

// One version of a table as every reader sees it; immutable and shared. The engine
// schema is computed once, when the version is loaded.
struct CachedTable {
  CachedTable(TableRecord table_record, SchemaVersionRecord schema_record);
  // Pinned in memory: engine_columns point into schema.
  CachedTable(const CachedTable&) = delete;
  CachedTable& operator=(const CachedTable&) = delete;
  ~CachedTable() = default;

  TableRecord table;
  SchemaVersionRecord schema;  // the current version
  std::string qualified_name;  // "ns.table"
  std::vector<EngineColumn> engine_columns;

  const ColumnDefinition* FindColumn(std::string_view name) const;
  const ColumnDefinition* PrimaryKey() const;
  size_t ApproximateBytes() const;
};

struct SchemaCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  size_t entries = 0;
  size_t approximate_bytes = 0;
};

// Caches table definitions by qualified name. A miss loads through `loader` (RocksDB);
// ALTER and DROP call Invalidate. A load that raced with an invalidation is not cached,
// so a stale version never outlives the DDL that replaced it.
//
// Thread-safety: all methods may be called concurrently.
class SchemaRegistry {
 public:
  using Loader = std::function<Result<std::shared_ptr<const CachedTable>>(std::string_view)>;
  explicit SchemaRegistry(const Loader& loader) : loader_(loader) {}

  // The table named `qualified_name` ("ns.table"), or kTableNotFound.
  Result<std::shared_ptr<const CachedTable>> Get(std::string_view qualified_name);
  void Invalidate(std::string_view qualified_name);
  // Caches `table` as the current version (after the DDL that wrote it), replacing any
  // older one; like Invalidate, it also discards loads that raced with the DDL.
  void Put(std::shared_ptr<const CachedTable> table);
  SchemaCacheStats Stats() const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };

  const Loader loader_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const CachedTable>, StringHash, std::equal_to<>>
      tables_;               // guarded by mu_
  uint64_t generation_ = 0;  // guarded by mu_; bumped by Invalidate
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace kalam::catalog

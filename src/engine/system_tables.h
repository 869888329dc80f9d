#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "common/value.h"

namespace kalam::engine {

using SystemRows = std::vector<std::vector<Value>>;

// Whether the caller of a statement may read the table, view or system table `schema.name`.
// The SQL layer supplies it with its access decision (the one SELECT makes); engine/ never
// decides access. An empty MayRead allows nothing.
using MayRead = std::function<bool(std::string_view schema, std::string_view name)>;

// A table KalamDB computes from its own state: system.* and information_schema.*.
// Column types use our SQL names (TEXT, INT, BIGINT, BOOLEAN, TIMESTAMP).
struct SystemTableDef {
  std::string schema;  // "system" | "information_schema"
  std::string name;
  std::vector<ResultColumn> columns;
  // The rows a caller sees: information_schema lists only the tables, views and system
  // tables `may_read` allows; a system.* table is read whole (who may read it at all is
  // decided before it is reached).
  std::function<Result<SystemRows>(const MayRead& may_read)> rows;

  std::string qualified_name() const { return schema + "." + name; }
};

struct ServerInfo {
  std::string node_id;
  std::string version;
  std::chrono::steady_clock::time_point started_at;
};

// The system.* and information_schema.* tables: definitions and row
// producers reading the catalog at call time, and the listing SHOW TABLES sends. Secrets are
// never exposed: password hashes and storage credentials read "***".
//
// Thread-safety: rows() may be called concurrently (the catalog is thread-safe).
class SystemTables {
 public:
  SystemTables(catalog::Catalog& catalog, ServerInfo info);
  SystemTables(const SystemTables&) = delete;
  SystemTables& operator=(const SystemTables&) = delete;
  ~SystemTables() = default;

  const std::vector<SystemTableDef>& All() const { return tables_; }
  const ServerInfo& info() const { return info_; }
  // The table `schema.name` (lower case), or nullptr.
  const SystemTableDef* Find(std::string_view schema, std::string_view name) const;

  // SHOW TABLES: in system.tables' columns (ListingColumns), one row per table, view
  // (table_type VIEW) and system table (SYSTEM) that `may_read` allows, in `namespace_id`
  // only if given, ordered by namespace and name.
  // What system.live_queries lists (the live-query component owns the subscriptions), in
  // its columns. Set once at start, before queries run; until then the table is empty.
  void SetLiveQueryRows(std::function<SystemRows()> rows) { live_query_rows_ = std::move(rows); }

  const std::vector<ResultColumn>& ListingColumns() const { return listing_columns_; }
  Result<SystemRows> Listing(const MayRead& may_read,
                             const std::optional<std::string>& namespace_id) const;

 private:
  // What ForEachReadable calls, per kind of object; an empty function skips that kind.
  struct ReadableVisitor {
    std::function<void(const catalog::TableRecord&)> table;
    std::function<void(const catalog::ViewRecord&)> view;
    std::function<void(const SystemTableDef&)> system_table;
  };

  void AddSystemTables();
  void AddInformationSchema();
  Result<SystemRows> InformationSchemaTables(const MayRead& may_read) const;
  Result<SystemRows> InformationSchemaColumns(const MayRead& may_read) const;
  // Visits the tables, views and system tables `may_read` allows, of `namespace_id` only
  // if given.
  Status ForEachReadable(const MayRead& may_read, const std::optional<std::string>& namespace_id,
                         const ReadableVisitor& visit) const;

  catalog::Catalog& catalog_;
  const ServerInfo info_;
  const std::vector<ResultColumn> listing_columns_;
  std::vector<SystemTableDef> tables_;
  std::function<SystemRows()> live_query_rows_;
};

}  // namespace kalam::engine

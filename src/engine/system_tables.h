#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "common/value.h"

namespace kalam::engine {

// A table KalamDB computes from its own state: system.* and information_schema.*.
// Column types use our SQL names (TEXT, INT, BIGINT, BOOLEAN, TIMESTAMP).
struct SystemTableDef {
  std::string schema;  // "system" | "information_schema"
  std::string name;
  std::vector<ResultColumn> columns;
  std::function<Result<std::vector<std::vector<Value>>>()> rows;

  std::string qualified_name() const { return schema + "." + name; }
};

struct ServerInfo {
  std::string node_id;
  std::string version;
  std::chrono::steady_clock::time_point started_at;
};

// The system.* and information_schema.* tables: definitions and row
// producers reading the catalog at call time. Secrets are never exposed: password
// hashes and storage credentials read "***".
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

 private:
  void AddSystemTables();
  void AddInformationSchema();

  catalog::Catalog& catalog_;
  const ServerInfo info_;
  std::vector<SystemTableDef> tables_;
};

}  // namespace kalam::engine

#pragma once

// Internal to sql/: the handlers SqlExecutor dispatches to, one per statement family.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/authenticator.h"
#include "auth/policy.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/snowflake.h"
#include "common/unique_ids.h"
#include "common/value.h"
#include "engine/dml_analysis.h"
#include "engine/engine.h"
#include "engine/system_tables.h"
#include "sql/execution_context.h"
#include "sql/statements.h"
#include "tables/table_reader.h"
#include "tables/table_writer.h"

namespace kalam::sql {

struct Services {
  catalog::Catalog& catalog;
  engine::Engine& engine;
  const engine::SystemTables& system_tables;
  const Clock& clock;
  tables::TableWriter& writer;
  SnowflakeGenerator& snowflake;
  UuidV7Generator& uuids;
  UlidGenerator& ulids;
  auth::Authenticator* users;  // nullptr: user statements are unavailable
};

// What a handler reports for the audit log: the action and its target.
struct AuditNote {
  std::string action;  // CREATE, DROP, ALTER, … ("" = not audited)
  std::string target;  // "NAMESPACE app", "TABLE app.t", …
};

struct Handled {
  AuditNote audit;
};

// The scope whose rows a statement on `table` reads and writes: the caller's user id for
// USER and STREAM tables, "" (the one shared scope) for SHARED tables.
std::string ScopeOf(const catalog::CachedTable& table, const ExecutionContext& context);

// The value of a literal or `$n` cell; nullopt for other kinds or a missing parameter.
std::optional<Value> CellValue(const engine::InsertCell& cell, const ExecutionContext& context);

// The primary-key value, coerced to the key's type, when `key` compares the table's
// primary key with a literal or parameter: the PK fast paths then read the PK index
// instead of running DuckDB. nullopt otherwise; the general path runs and reports errors.
std::optional<Value> FastPathKey(const catalog::CachedTable& table,
                                 const std::optional<engine::KeyEquality>& key,
                                 const ExecutionContext& context);

// Sends a result with no rows and a message ("Namespace 'app' created successfully").
void SendMessage(ResultSink& sink, std::string_view message);
// Sends the rows of a system table (optionally filtered by a column's text value).
Status SendSystemTable(ResultSink& sink, const engine::SystemTables& tables,
                       std::string_view schema, std::string_view name, int filter_column = -1,
                       const std::string& filter_value = "");
// Lower-cased (namespace, name) of a possibly qualified name; errors name the object.
Result<std::pair<std::string, std::string>> ResolveName(const QualifiedName& name,
                                                        const ExecutionContext& context,
                                                        std::string_view what);

Result<Handled> HandleNamespace(const Statement& statement, Services& services,
                                ExecutionContext& context, ResultSink& sink);
Result<Handled> HandleStorage(const Statement& statement, Services& services, ResultSink& sink);
Result<Handled> HandleCreateTable(const CreateTable& create, Services& services,
                                  const ExecutionContext& context, ResultSink& sink);
Result<Handled> HandleAlterTable(const AlterTable& alter, Services& services,
                                 const ExecutionContext& context, ResultSink& sink);
Result<Handled> HandleDropTable(const DropTable& drop, Services& services,
                                const ExecutionContext& context, ResultSink& sink);
Result<Handled> HandleView(const Statement& statement, Services& services,
                           const ExecutionContext& context, ResultSink& sink);
Result<Handled> HandleShow(const Statement& statement, Services& services,
                           const ExecutionContext& context, ResultSink& sink);
Result<Handled> HandleQuery(const Query& query, Services& services, const ExecutionContext& context,
                            ResultSink& sink);
Result<Handled> HandleInsert(const Dml& insert, Services& services, const ExecutionContext& context,
                             ResultSink& sink);
Result<Handled> HandleUpdate(const Dml& update, Services& services, const ExecutionContext& context,
                             ResultSink& sink);
Result<Handled> HandleDelete(const Dml& remove, Services& services, const ExecutionContext& context,
                             ResultSink& sink);

Result<Handled> HandleUser(const Statement& statement, Services& services,
                           const ExecutionContext& context, ResultSink& sink);

// The one check of every read (kReadTable) and write (kWriteTable) of table data: the role
// policy with the table's type, SHARED access level and creator, plus the impersonation
// rule that a statement run AS USER never touches SHARED tables. USER/STREAM rows are
// always the caller's own; that is how scans and writes are built (ScopeOf), not a right.
Status CheckTableAccess(const ExecutionContext& context, const catalog::CachedTable& table,
                        auth::Action action);
// kTableNotFound for `ns.name`, suggesting the nearest table or view the caller may read
// ("did you mean app.messages?"); a table the caller may not read is never named.
Status TableNotFound(Services& services, const ExecutionContext& context, const std::string& ns,
                     const std::string& name);
// The table `ns.name`; when there is none, TableNotFound's error.
Result<std::shared_ptr<const catalog::CachedTable>> FindTable(Services& services,
                                                              const ExecutionContext& context,
                                                              const std::string& ns,
                                                              const std::string& name);
// How a table is described to auth::Authorize ("SHARED table app.t", type, level, creator).
auth::Target TableTarget(const catalog::CachedTable& table, const ExecutionContext& context);

// Commits a table drop at the data commit point, with the deletion of the tables' rows.
catalog::Catalog::DropCommit CommitDrop(Services& services);

// The view one statement reads through: everything committed when it starts.
std::shared_ptr<const tables::ReadView> StatementView(Services& services);

// Rewrites a SELECT for DuckDB: system tables to kalam_system(), views expanded, and each
// table reference resolved once, checked, and registered in `reads` as a ScanSpec that the
// SQL names by handle (kalam_scan(<handle>)). With `reads` null (validating a view body),
// tables become typed empty relations.
Result<std::string> RewriteForEngine(
    std::string_view sql, Services& services, const ExecutionContext& context,
    engine::StatementReads* reads,
    std::vector<std::optional<std::string>>* declared_types = nullptr);

}  // namespace kalam::sql

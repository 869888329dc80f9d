#pragma once

// Internal to sql/: the handlers SqlExecutor dispatches to, one per statement family.
#include <memory>
#include <optional>
#include <span>
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
#include "sql/live_queries.h"
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
  LiveQueries* live;           // nullptr: live-query statements are unavailable
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

// The statement's clock reading in microseconds: when it started (NOW() of its defaults).
int64_t StatementMicros(const Services& services, const ExecutionContext& context);

// The value a column gets when an INSERT gives none (or DEFAULT): its DEFAULT evaluated at
// `now_micros` and as the context's user, coerced to the column type; NULL without one.
// ADD COLUMN evaluates it once, as the fill value of the rows already stored.
Result<Value> DefaultFor(const catalog::ColumnDefinition& column, Services& services,
                         const ExecutionContext& context, int64_t now_micros);

// Sends a result with no rows and a message ("Namespace 'app' created successfully").
void SendMessage(ResultSink& sink, std::string_view message);
// Sends one result: `columns`, then `rows`.
void SendRows(ResultSink& sink, std::span<const ResultColumn> columns,
              const engine::SystemRows& rows);
// Sends the rows of a system.* table.
Status SendSystemTable(ResultSink& sink, const engine::SystemTables& tables,
                       std::string_view schema, std::string_view name);
// Lower-cased (namespace, name) of a possibly qualified name; errors name the object.
Result<std::pair<std::string, std::string>> ResolveName(const QualifiedName& name,
                                                        const ExecutionContext& context,
                                                        std::string_view what);

// Table DDL shared by CREATE TABLE (table_handlers.cc) and ALTER TABLE (alter_handlers.cc).
// A column from its spec: name rules, AUTO_INCREMENT, and CheckColumnDefault.
Result<catalog::ColumnDefinition> MakeColumn(const ColumnSpec& spec, Services& services,
                                             const ExecutionContext& context);
// Whether the column's DEFAULT suits its type and nullability; a literal must be a value of
// the type ('abc' is no INT, a VARCHAR(3) default fits 3 characters).
Status CheckColumnDefault(const catalog::ColumnDefinition& column, Services& services,
                          const ExecutionContext& context);
// Applies one WITH / TBLPROPERTIES option to `options` for a table of `type`.
Status ApplyTableOption(catalog::TableOptions& options, catalog::TableType type,
                        const std::string& key, const OptionValue& value);
// kPermissionDenied for the system namespaces.
Status RefuseSystemNamespace(const std::string& namespace_id);

Result<Handled> HandleNamespace(const Statement& statement, Services& services,
                                ExecutionContext& context, ResultSink& sink);
Result<Handled> HandleLiveQuery(const Statement& statement, Services& services,
                                const ExecutionContext& context, ResultSink& sink);
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

// Whether `namespace_id` is one of the namespaces of system tables (system,
// information_schema), which always exist and hold no user tables or views.
bool IsSystemSchema(std::string_view namespace_id);

// What a name read by a query is, once resolved and found readable by the caller: exactly
// one of a system table, a view or a table.
struct ReadTarget {
  const engine::SystemTableDef* system_table = nullptr;
  std::optional<catalog::ViewRecord> view;
  std::shared_ptr<const catalog::CachedTable> table;
};

// The one decision of what a caller may read, made for every table reference of a query
// (RewriteForEngine, the PK fast path), for SHOW TABLES, DESCRIBE, SHOW STATS and
// information_schema (CallerMayRead). Resolves `namespace_id.name` and checks it:
// system.* needs auth::Action::kReadSystemTables; information_schema is every role's (it
// lists only what its reader may read); a table passes CheckTableAccess(kReadTable); an
// impersonated statement reads neither system namespace. A view is returned without a
// check of its own: what it reads is checked reference by reference where its body is
// rewritten (RewriteViewBody), each through this function. Errors: kTableNotFound (with a
// did-you-mean among what the caller may read), kPermissionDenied.
Result<ReadTarget> ResolveRead(Services& services, const ExecutionContext& context,
                               const std::string& namespace_id, const std::string& name);

// The body of `view` rewritten for the caller, with tables as typed empty relations (no
// rows are read): it succeeds exactly when SELECT * FROM the view would pass the rewrite,
// every table it reads resolved and checked by ResolveRead. Without `suggest_names`, a
// table the body misses is reported without a did-you-mean (see ExecutionContext).
Result<std::string> RewriteViewBody(Services& services, const ExecutionContext& context,
                                    const catalog::ViewRecord& view, bool suggest_names = true);

// Whether the caller may read `namespace_id.name` as a whole: ResolveRead, and for a view
// RewriteViewBody. OK, or the error SELECT would report.
Status CheckRead(Services& services, const ExecutionContext& context,
                 const std::string& namespace_id, const std::string& name,
                 bool suggest_names = true);

// CheckRead as the predicate SHOW TABLES and information_schema list by (suggesting no
// names: the messages are never shown). `services` and `context` must outlive it.
engine::MayRead CallerMayRead(Services& services, const ExecutionContext& context);

// The view one statement reads through: everything committed when it starts.
std::shared_ptr<const tables::ReadView> StatementView(Services& services);

// Rewrites a SELECT for DuckDB: each table reference resolved once and checked
// (ResolveRead), system tables to kalam_system(), views expanded, and tables registered in
// `reads` as a ScanSpec that the SQL names by handle (kalam_scan(<handle>)); `reads` also
// gets the caller's CallerMayRead for information_schema. With `reads` null (a view body
// checked or described), tables become typed empty relations. With `declared_types`, see
// engine::RewriteSelect.
Result<std::string> RewriteForEngine(
    std::string_view sql, Services& services, const ExecutionContext& context,
    engine::StatementReads* reads,
    std::vector<std::optional<std::string>>* declared_types = nullptr);

}  // namespace kalam::sql

#pragma once

#include <span>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/snowflake.h"
#include "common/unique_ids.h"
#include "common/value.h"
#include "engine/engine.h"
#include "engine/system_tables.h"
#include "sql/execution_context.h"
#include "sql/jobs.h"
#include "sql/live_queries.h"
#include "sql/parser.h"
#include "sql/statements.h"
#include "tables/table_writer.h"

namespace kalam::sql {

// The outcome of a batch: OK, or the first failing statement (1-based) and its error.
struct BatchOutcome {
  Status status;
  size_t failed_statement = 0;
  std::string failed_sql;
};

// Runs SQL: parses each statement, checks it against the caller's role (auth::Authorize,
// before any handler and again in handlers once tables are known), runs AS USER statements
// in their subject's scope, dispatches to the handler of its family, and writes an audit
// entry for each successful DDL and DML statement and for each permission refusal.
//
// Thread-safety: Execute and ExecuteBatch may be called concurrently.
class SqlExecutor {
 public:
  SqlExecutor(catalog::Catalog& catalog, engine::Engine& engine,
              const engine::SystemTables& system_tables, const Clock& clock,
              SnowflakeGenerator& snowflake, tables::TableWriter& writer)
      : catalog_(catalog),
        engine_(engine),
        system_tables_(system_tables),
        clock_(clock),
        snowflake_(snowflake),
        writer_(writer),
        uuids_(clock),
        ulids_(clock) {}

  // Runs one statement; its result (rows or a message) goes to `sink`. The context must
  // name an authenticated user (kUnauthenticated otherwise). The statement's deadline
  // (context.statement_timeout) starts here; past it the statement fails with
  // kDeadlineExceeded and writes nothing.
  Status Execute(std::string_view sql, ExecutionContext& context, ResultSink& sink);

  // Runs the statements of a batch (SplitStatements) in order, stopping at the first error.
  // The statements before it are committed and their results are already in `sink`.
  BatchOutcome ExecuteBatch(std::span<const std::string> statements, ExecutionContext& context,
                            ResultSink& sink);

  // Appends a system.audit_logs entry for the context's actor (logins, refusals, …). A
  // failed write is logged, never reported to the client.
  // An impersonated context is recorded under the actor, naming the subject in details.
  void Audit(const ExecutionContext& context, const std::string& action, const std::string& target,
             const std::string& details = "");

  // The user directory CREATE/ALTER/DROP USER act on. Set once at start, before requests;
  // without it those statements fail with a clear error.
  void SetUserDirectory(auth::Authenticator* users) { users_ = users; }
  // The live queries SUBSCRIBE TO, KILL LIVE QUERY and SHOW LIVE QUERIES act on, and that
  // DROP/ALTER TABLE and DROP USER end. Set once at start, before requests.
  void SetLiveQueries(LiveQueries* live) { live_ = live; }
  // KILL JOB goes to `jobs` (nullptr: refused as unavailable).
  void SetJobs(Jobs* jobs) { jobs_ = jobs; }

  // The table `namespace_id.name` if `context` may read it, by the decision SELECT makes
  // (kTableNotFound with a did-you-mean, kPermissionDenied); a view or system table is
  // kUnsupportedQuery for `purpose` ("live queries"). Live queries resolve their table here.
  Result<std::shared_ptr<const catalog::CachedTable>> ResolveTable(const ExecutionContext& context,
                                                                   const std::string& namespace_id,
                                                                   const std::string& name,
                                                                   std::string_view purpose);

 private:
  Status ExecuteAuthenticated(std::string_view sql, ExecutionContext& context, ResultSink& sink);
  // Runs `as_user.statement` as its subject once the actor may impersonate them.
  Status ExecuteAs(const AsUser& as_user, const ExecutionContext& actor, ResultSink& sink);
  // The role gate, then the statement's handler and its audit entry.
  Status Dispatch(const Statement& statement, ExecutionContext& context, ResultSink& sink);

  auth::Authenticator* users_ = nullptr;
  LiveQueries* live_ = nullptr;
  Jobs* jobs_ = nullptr;
  catalog::Catalog& catalog_;
  engine::Engine& engine_;
  const engine::SystemTables& system_tables_;
  const Clock& clock_;
  SnowflakeGenerator& snowflake_;
  tables::TableWriter& writer_;
  UuidV7Generator uuids_;
  UlidGenerator ulids_;
};

}  // namespace kalam::sql

#include "sql/executor.h"

#include "common/log.h"
#include "sql/handlers.h"
#include "sql/lexer.h"
#include "sql/parser.h"

namespace kalam::sql {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

bool IsAdmin(catalog::Role role) {
  return role == catalog::Role::kDba || role == catalog::Role::kSystem;
}

// The gate every statement passes before its handler (reference §7.1). Rules that depend
// on the table's type are checked by the table handlers once the type is known.
Status Authorize(const ExecutionContext& context, const Statement& statement) {
  const auto admin_only = [&](std::string_view what) -> Status {
    if (IsAdmin(context.role)) return Status();
    return Status::PermissionDenied("Admin privileges (DBA or System role) required for " +
                                    std::string(what));
  };
  return std::visit(Overloaded{
                        [&](const CreateNamespace&) { return admin_only("CREATE NAMESPACE"); },
                        [&](const DropNamespace&) { return admin_only("DROP NAMESPACE"); },
                        [&](const AlterNamespace&) { return admin_only("ALTER NAMESPACE"); },
                        [&](const CreateStorage&) { return admin_only("CREATE STORAGE"); },
                        [&](const AlterStorage&) { return admin_only("ALTER STORAGE"); },
                        [&](const DropStorage&) { return admin_only("DROP STORAGE"); },
                        [&](const CreateView&) { return admin_only("CREATE VIEW"); },
                        [&](const DropView&) { return admin_only("DROP VIEW"); },
                        [&](const DropTable&) { return admin_only("DROP TABLE"); },
                        [&](const auto&) { return Status(); },
                    },
                    statement);
}

}  // namespace

Status SqlExecutor::Execute(std::string_view sql, ExecutionContext& context, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const Statement statement, ParseStatement(sql));
  KALAM_RETURN_IF_ERROR(Authorize(context, statement));
  Services services{catalog_,   engine_, system_tables_, clock_, writer_,
                    snowflake_, uuids_,  ulids_,         users_};
  Result<Handled> handled = std::visit(
      Overloaded{
          [&](const CreateTable& s) { return HandleCreateTable(s, services, context, sink); },
          [&](const AlterTable& s) { return HandleAlterTable(s, services, context, sink); },
          [&](const DropTable& s) { return HandleDropTable(s, services, context, sink); },
          [&](const Query& s) { return HandleQuery(s, services, context, sink); },
          [&](const Dml& s) -> Result<Handled> {
            if (s.verb == "INSERT") return HandleInsert(s, services, context, sink);
            if (s.verb == "UPDATE") return HandleUpdate(s, services, context, sink);
            return HandleDelete(s, services, context, sink);
          },
          [&](const auto&) -> Result<Handled> {
            if (std::holds_alternative<CreateStorage>(statement) ||
                std::holds_alternative<AlterStorage>(statement) ||
                std::holds_alternative<DropStorage>(statement) ||
                std::holds_alternative<ShowStorages>(statement)) {
              return HandleStorage(statement, services, sink);
            }
            if (std::holds_alternative<CreateUser>(statement) ||
                std::holds_alternative<AlterUser>(statement) ||
                std::holds_alternative<DropUser>(statement)) {
              return HandleUser(statement, services, context, sink);
            }
            if (std::holds_alternative<CreateView>(statement) ||
                std::holds_alternative<DropView>(statement)) {
              return HandleView(statement, services, context, sink);
            }
            if (std::holds_alternative<ShowTables>(statement) ||
                std::holds_alternative<DescribeTable>(statement) ||
                std::holds_alternative<ShowStats>(statement)) {
              return HandleShow(statement, services, context, sink);
            }
            return HandleNamespace(statement, services, context, sink);
          },
      },
      statement);
  if (!handled.ok()) return handled.status();
  if (!handled->audit.action.empty()) Audit(context, handled->audit.action, handled->audit.target);
  return Status();
}

void SqlExecutor::Audit(const ExecutionContext& context, const std::string& action,
                        const std::string& target) {
  const Result<int64_t> id = snowflake_.Next();
  Status status = id.status();
  if (id.ok()) {
    status =
        catalog_.AppendAudit({.audit_id = std::to_string(*id),
                              .timestamp = context.started_at_millis > 0 ? context.started_at_millis
                                                                         : clock_.NowMillis(),
                              .actor_user_id = context.user_id.value(),
                              .actor_username = context.username,
                              .action = action,
                              .target = target,
                              .ip_address = context.client_ip,
                              .request_id = context.request_id});
  }
  // The statement already committed; a lost audit entry is an operator problem, not the
  // client's, so it is logged rather than reported as a failed statement.
  if (!status.ok()) KALAM_LOG_ERROR("sql", "audit write failed error={}", status.ToString());
}

BatchOutcome SqlExecutor::ExecuteBatch(std::string_view sql, ExecutionContext& context,
                                       ResultSink& sink) {
  Result<std::vector<std::string>> statements = SplitStatements(sql);
  if (!statements.ok()) return {statements.status(), 1, std::string(sql)};
  if (statements->empty()) return {Status::InvalidArgument("empty SQL"), 0, ""};
  for (size_t i = 0; i < statements->size(); ++i) {
    const std::string& statement = (*statements)[i];
    Status status = Execute(statement, context, sink);
    if (!status.ok()) return {std::move(status), i + 1, statement};
  }
  return {};
}

}  // namespace kalam::sql

#include "sql/executor.h"

#include <concepts>
#include <type_traits>

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

// For visitors that must name every statement kind: a lambda taking `const OneOf<A, B> auto&`
// covers exactly A and B, so a kind added to `Statement` and missing from a visitor does not
// compile (there is no catch-all).
template <typename T, typename... Kinds>
concept OneOf = (std::same_as<std::remove_cvref_t<T>, Kinds> || ...);

// The gate every statement passes before its handler. Rules that depend
// on a table's type, access level or creator are checked by the handlers once the table is
// known (CheckTableAccess, table DDL).
Status AuthorizeStatement(const ExecutionContext& context, const Statement& statement) {
  const auto check = [&](auth::Action action, std::string_view what) {
    return auth::Authorize(context.role, action, {.what = std::string(what)});
  };
  using auth::Action;
  return std::visit(
      Overloaded{
          [&](const CreateNamespace&) {
            return check(Action::kManageNamespaces, "CREATE NAMESPACE");
          },
          [&](const DropNamespace&) { return check(Action::kManageNamespaces, "DROP NAMESPACE"); },
          [&](const AlterNamespace&) {
            return check(Action::kManageNamespaces, "ALTER NAMESPACE");
          },
          [&](const CreateStorage&) { return check(Action::kManageStorages, "CREATE STORAGE"); },
          [&](const AlterStorage&) { return check(Action::kManageStorages, "ALTER STORAGE"); },
          [&](const DropStorage&) { return check(Action::kManageStorages, "DROP STORAGE"); },
          [&](const CreateView&) { return check(Action::kManageViews, "CREATE VIEW"); },
          [&](const DropView&) { return check(Action::kManageViews, "DROP VIEW"); },
          [&](const DropTable&) { return check(Action::kDropTable, "DROP TABLE"); },
          [&](const KillJob&) { return check(Action::kKillJobOrLiveQuery, "KILL JOB"); },
          // Checked by their handlers once the table, user or namespace is known (its type,
          // access level, creator; the user's role), or open to every role (SHOW, USE).
          [&](const OneOf<CreateTable, AlterTable, Query, Dml, ShowTables, DescribeTable, ShowStats,
                          ShowNamespaces, UseNamespace, ShowStorages, CreateUser, AlterUser,
                          DropUser, SubscribeTo, KillLiveQuery, ShowLiveQueries> auto&) {
            return Status();
          },
      },
      statement);
}

// The statement's first word, upper-cased, for audit targets ("SELECT", "CREATE", …).
std::string FirstWord(std::string_view sql) {
  const Result<std::vector<Token>> tokens = Tokenize(sql);
  if (!tokens.ok() || tokens->front().kind != Token::Kind::kWord) return "STATEMENT";
  std::string word = tokens->front().text;
  for (char& c : word)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

// Marks the results written while it lives as produced for `user_id` (AS USER).
class AsUserScope {
 public:
  AsUserScope(ResultSink& sink, std::string_view user_id) : sink_(sink) {
    sink_.SetAsUser(user_id);
  }
  ~AsUserScope() { sink_.SetAsUser(""); }
  AsUserScope(const AsUserScope&) = delete;
  AsUserScope& operator=(const AsUserScope&) = delete;

 private:
  ResultSink& sink_;
};

}  // namespace

Status SqlExecutor::Execute(std::string_view sql, ExecutionContext& context, ResultSink& sink) {
  if (context.user_id.value().empty()) {
    return Status::Unauthenticated("the statement has no authenticated user");
  }
  context.stop = StopSignal::Within(context.statement_timeout, context.client_gone);
  Status status = ExecuteAuthenticated(sql, context, sink);
  // A sink that stopped taking rows (hang-up, result limit) may have been fed by code that
  // does not ask it; the statement still fails rather than report a cut result as success.
  if (status.ok()) status = sink.Stopped();
  if (status.code() == StatusCode::kPermissionDenied) {
    // Refusals are security events: who tried what, never the SQL text (it may hold secrets).
    Audit(context, "PERMISSION_DENIED", FirstWord(sql), std::string(status.message()));
  }
  return status;
}

Status SqlExecutor::ExecuteAuthenticated(std::string_view sql, ExecutionContext& context,
                                         ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::optional<AsUser> as_user, ParseAsUser(sql));
  if (as_user.has_value()) return ExecuteAs(*as_user, context, sink);
  KALAM_ASSIGN_OR_RETURN(const Statement statement, ParseStatement(sql));
  return Dispatch(statement, context, sink);
}

Status SqlExecutor::ExecuteAs(const AsUser& as_user, const ExecutionContext& actor,
                              ResultSink& sink) {
  KALAM_RETURN_IF_ERROR(auth::Authorize(actor.role, auth::Action::kImpersonate));
  KALAM_ASSIGN_OR_RETURN(const Statement statement, ParseStatement(as_user.statement));
  if (!std::holds_alternative<Query>(statement) && !std::holds_alternative<Dml>(statement)) {
    return Status::InvalidArgument(
        "AS USER runs exactly one SELECT, INSERT, UPDATE or DELETE statement");
  }
  if (users_ == nullptr) return Status::Unavailable("user directory is not available");
  // The subject is named by user id or, failing that, by user name.
  std::optional<catalog::UserRecord> subject = users_->FindUserById(as_user.subject);
  if (!subject.has_value()) subject = users_->FindUser(as_user.subject);
  if (!subject.has_value() || subject->deleted_at.has_value()) {
    return Status::NotFound("User '" + as_user.subject + "' not found");
  }
  KALAM_RETURN_IF_ERROR(auth::AuthorizeImpersonation(actor.role, subject->role));
  ExecutionContext as_subject = actor;
  as_subject.impersonator = ExecutionContext::Impersonator{actor.user_id, actor.username};
  as_subject.user_id = UserId(subject->user_id);
  as_subject.username = subject->username;
  as_subject.role = subject->role;
  const AsUserScope reported(sink, subject->user_id);
  return Dispatch(statement, as_subject, sink);
}

Status SqlExecutor::Dispatch(const Statement& statement, ExecutionContext& context,
                             ResultSink& sink) {
  KALAM_RETURN_IF_ERROR(AuthorizeStatement(context, statement));
  Services services{catalog_,   engine_, system_tables_, clock_, writer_,
                    snowflake_, uuids_,  ulids_,         users_, live_};
  Result<Handled> handled = std::visit(
      Overloaded{
          [&](const CreateTable& s) { return HandleCreateTable(s, services, context, sink); },
          [&](const AlterTable& s) { return HandleAlterTable(s, services, context, sink); },
          [&](const DropTable& s) { return HandleDropTable(s, services, context, sink); },
          [&](const Query& s) { return HandleQuery(s, services, context, sink); },
          [&](const Dml& s) {
            switch (s.verb) {
              case DmlVerb::kInsert:
                return HandleInsert(s, services, context, sink);
              case DmlVerb::kUpdate:
                return HandleUpdate(s, services, context, sink);
              case DmlVerb::kDelete:
                return HandleDelete(s, services, context, sink);
            }
            return Result<Handled>(Status::Internal("unknown DML verb"));
          },
          [&](const OneOf<CreateStorage, AlterStorage, DropStorage, ShowStorages> auto&) {
            return HandleStorage(statement, services, sink);
          },
          [&](const OneOf<CreateUser, AlterUser, DropUser> auto&) {
            return HandleUser(statement, services, context, sink);
          },
          [&](const OneOf<CreateView, DropView> auto&) {
            return HandleView(statement, services, context, sink);
          },
          [&](const OneOf<ShowTables, DescribeTable, ShowStats> auto&) {
            return HandleShow(statement, services, context, sink);
          },
          [&](const OneOf<SubscribeTo, KillLiveQuery, ShowLiveQueries> auto&) {
            return HandleLiveQuery(statement, services, context, sink);
          },
          [&](const KillJob& kill) -> Result<Handled> {
            if (jobs_ == nullptr) return Status::Unavailable("background jobs are not available");
            KALAM_RETURN_IF_ERROR(jobs_->Cancel(kill.job_id));
            SendMessage(
                sink, "Job " + kill.job_id + " cancelled (a running job stops at its next check)");
            return Handled{{"KILL", "JOB " + kill.job_id}};
          },
          [&](const OneOf<CreateNamespace, DropNamespace, AlterNamespace, ShowNamespaces,
                          UseNamespace> auto&) {
            return HandleNamespace(statement, services, context, sink);
          },
      },
      statement);
  if (!handled.ok()) return handled.status();
  if (!handled->audit.action.empty()) Audit(context, handled->audit.action, handled->audit.target);
  return Status();
}

Result<std::shared_ptr<const catalog::CachedTable>> SqlExecutor::ResolveTable(
    const ExecutionContext& context, const std::string& namespace_id, const std::string& name,
    std::string_view purpose) {
  Services services{catalog_,   engine_, system_tables_, clock_, writer_,
                    snowflake_, uuids_,  ulids_,         users_, live_};
  KALAM_ASSIGN_OR_RETURN(const ReadTarget target,
                         ResolveRead(services, context, namespace_id, name));
  if (target.table == nullptr) {
    return Status::UnsupportedQuery(std::string(purpose) + " follow tables; " + namespace_id + "." +
                                    name + " is a " +
                                    (target.view.has_value() ? "view" : "system table"));
  }
  return target.table;
}

void SqlExecutor::Audit(const ExecutionContext& context, const std::string& action,
                        const std::string& target, const std::string& details) {
  const Result<int64_t> id = snowflake_.Next();
  Status status = id.status();
  if (id.ok()) {
    // An impersonated statement is recorded under its actor, naming the subject.
    const bool impersonated = context.impersonator.has_value();
    std::string all_details = details;
    if (impersonated) {
      all_details = "as_user=" + context.user_id.value() + " (" + context.username + ")" +
                    (details.empty() ? "" : "; " + details);
    }
    status = catalog_.AppendAudit(
        {.audit_id = std::to_string(*id),
         .timestamp =
             context.started_at_millis > 0 ? context.started_at_millis : clock_.NowMillis(),
         .actor_user_id =
             impersonated ? context.impersonator->user_id.value() : context.user_id.value(),
         .actor_username = impersonated ? context.impersonator->username : context.username,
         .action = action,
         .target = target,
         .details = std::move(all_details),
         .ip_address = context.client_ip,
         .request_id = context.request_id});
  }
  // The statement already committed; a lost audit entry is an operator problem, not the
  // client's, so it is logged rather than reported as a failed statement.
  if (!status.ok()) KALAM_LOG_ERROR("sql", "audit write failed error={}", status.ToString());
}

BatchOutcome SqlExecutor::ExecuteBatch(std::span<const std::string> statements,
                                       ExecutionContext& context, ResultSink& sink) {
  // Unqualified names resolve in the default namespace: a request naming one that does not
  // exist is refused before anything runs, rather than failing (or not) statement by statement.
  // ("default" is built in and cannot be dropped: no lookup for the common case.)
  const std::string& ns = context.default_namespace;
  if (ns != "default" && ns != "system" && ns != "information_schema") {
    const Result<std::optional<catalog::NamespaceRecord>> found = catalog_.GetNamespace(ns);
    if (!found.ok()) return {found.status()};
    if (!found->has_value()) {
      return {Status::NamespaceNotFound("namespace_id: namespace '" + ns + "' does not exist")};
    }
  }
  for (size_t i = 0; i < statements.size(); ++i) {
    Status status = Execute(statements[i], context, sink);
    if (!status.ok()) return {std::move(status), i + 1, statements[i]};
  }
  return {};
}

}  // namespace kalam::sql

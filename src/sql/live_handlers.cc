// SUBSCRIBE TO, KILL LIVE QUERY and SHOW LIVE QUERIES: the SQL face of live queries, which
// live::LiveQueryManager owns (reached through sql::LiveQueries).
#include <string>

#include "auth/policy.h"
#include "sql/handlers.h"
#include "tables/value_json.h"

namespace kalam::sql {
namespace {

using tables::AppendJsonString;

const std::vector<ResultColumn>& LiveQueryColumns(const engine::SystemTables& tables) {
  return tables.Find("system", "live_queries")->columns;
}

// The subscribe message a client sends over the WebSocket for `subscribe`.
std::string SubscribeMessage(const SubscribeTo& subscribe, const std::string& id,
                             const std::string& select) {
  std::string message = R"({"type":"subscribe","subscription":{"id":)";
  AppendJsonString(message, id);
  message += R"(,"sql":)";
  AppendJsonString(message, select);
  std::string options;
  if (subscribe.last_rows.has_value()) {
    options += R"("last_rows":)" + std::to_string(*subscribe.last_rows);
  }
  if (subscribe.batch_size.has_value()) {
    if (!options.empty()) options += ',';
    options += R"("batch_size":)" + std::to_string(*subscribe.batch_size);
  }
  if (!options.empty()) message += R"(,"options":{)" + options + "}";
  message += "}}";
  return message;
}

Result<Handled> Subscribe(const SubscribeTo& subscribe, Services& services,
                          const ExecutionContext& context, ResultSink& sink) {
  const std::string namespace_id = subscribe.table.namespace_id.value_or(context.default_namespace);
  const std::string qualified = namespace_id + "." + subscribe.table.name;
  const std::string select = "SELECT * FROM " + qualified +
                             (subscribe.condition.empty() ? "" : " WHERE " + subscribe.condition);
  KALAM_RETURN_IF_ERROR(services.live->Validate(select, context));
  KALAM_ASSIGN_OR_RETURN(const int64_t suffix, services.snowflake.Next());
  const std::string id =
      "sub-" + namespace_id + "-" + subscribe.table.name + "-" + std::to_string(suffix);
  const std::vector<ResultColumn> columns = {
      {"ws_url", "TEXT"}, {"subscription_id", "TEXT"}, {"subscribe", "JSON"}, {"message", "TEXT"}};
  sink.BeginResult(columns);
  sink.Row(std::vector<Value>{
      Value::Text(services.live->WebSocketUrl()), Value::Text(id),
      Value::Json(SubscribeMessage(subscribe, id, select)),
      Value::Text("Connect to ws_url, authenticate, then send the subscribe message")});
  sink.EndResult(1, "");
  return Handled{{"SUBSCRIBE", "TABLE " + qualified}};
}

}  // namespace

Result<Handled> HandleLiveQuery(const Statement& statement, Services& services,
                                const ExecutionContext& context, ResultSink& sink) {
  if (services.live == nullptr) return Status::Unavailable("live queries are not available");
  if (const auto* subscribe = std::get_if<SubscribeTo>(&statement)) {
    return Subscribe(*subscribe, services, context, sink);
  }
  if (const auto* kill = std::get_if<KillLiveQuery>(&statement)) {
    KALAM_RETURN_IF_ERROR(services.live->Kill(kill->live_id, context));
    SendMessage(sink, "Live query killed: " + kill->live_id);
    return Handled{{"KILL", "LIVE QUERY " + kill->live_id}};
  }
  // SHOW LIVE QUERIES: the caller's own subscriptions (system.live_queries lists everyone's
  // to dba and system).
  SendRows(sink, LiveQueryColumns(services.system_tables), services.live->Rows(context.user_id));
  return Handled{};
}

}  // namespace kalam::sql

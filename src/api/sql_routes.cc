#include "api/sql_routes.h"

#include "api/json_envelope.h"
#include "api/result_json.h"
#include "api/sql_request.h"
#include "api/status_mapping.h"
#include "catalog/types.h"
#include "sql/lexer.h"
#include "tables/value_json.h"

namespace kalam::api {

using tables::AppendJsonString;
using tables::AppendJsonValue;
namespace {

// The body, parsed within the limits; on failure the error response to send.
std::variant<SqlRequest, HttpResponse> ParseBody(const HttpRequest& request,
                                                 const SqlLimits& limits) {
  std::variant<SqlRequest, BodyError> parsed =
      ParseSqlRequest(request.body, {.max_sql_length = limits.max_sql_length,
                                     .max_params = limits.max_params,
                                     .max_param_bytes = limits.max_param_bytes});
  if (auto* error = std::get_if<BodyError>(&parsed)) {
    return ErrorResponse(request, error->http_status, error->code, error->message);
  }
  return std::get<SqlRequest>(std::move(parsed));
}

// The statements of the batch, or the response refusing it: an empty batch (only
// whitespace, comments or semicolons), text that cannot be split, or more than the limits
// allow. Nothing runs before this has passed.
std::variant<std::vector<std::string>, HttpResponse> SplitBatch(const HttpRequest& request,
                                                                const SqlRequest& parsed,
                                                                const SqlLimits& limits) {
  Result<std::vector<std::string>> statements = sql::SplitStatements(parsed.sql);
  if (!statements.ok()) return ErrorResponse(request, statements.status());
  if (statements->empty()) {
    return ErrorResponse(request, 400, "EMPTY_SQL", "no SQL statement to run");
  }
  if (!parsed.params.empty() && statements->size() > 1) {
    return ErrorResponse(request, 400, "PARAMS_WITH_BATCH",
                         "\"params\" can only be used with a single statement");
  }
  if (statements->size() > limits.max_statements_per_batch) {
    return ErrorResponse(request, 400, "BATCH_TOO_LARGE",
                         std::to_string(statements->size()) + " statements in one request; the " +
                             "limit is " + std::to_string(limits.max_statements_per_batch));
  }
  return *std::move(statements);
}

// Results up to this size are sent whole, with the batch's real HTTP status; beyond it
// the response streams (200, chunked) so memory stays bounded whatever the result size.
constexpr size_t kStreamAfterBytes = 512 << 10;

// The "error" object of the envelope for a failed batch, e.g.
// {"code":"COLUMN_NOT_FOUND","message":"Statement 2 failed: …","details":"<statement>"}.
std::string BatchErrorObject(const sql::BatchOutcome& outcome) {
  const StatusCode code = outcome.status.code();
  std::string message = outcome.failed_statement > 0
                            ? "Statement " + std::to_string(outcome.failed_statement) +
                                  " failed: " + std::string(outcome.status.message())
                            : std::string(outcome.status.message());
  std::string error = R"({"code":)";
  AppendJsonString(error, ErrorCodeFor(code));
  error += R"(,"message":)";
  AppendJsonString(error, message);
  if (!outcome.failed_sql.empty()) {
    error += R"(,"details":)";
    AppendJsonString(error, outcome.failed_sql);
  }
  error.push_back('}');
  return error;
}

int HttpStatusForBatch(const Status& status) {
  // A missing table or namespace is a mistake in the SQL (400), not an unknown route.
  return status.code() == StatusCode::kNotFound ? 400 : HttpStatusFor(status.code());
}

// Runs the batch and answers. Small results go out whole; a result that outgrows
// kStreamAfterBytes is streamed, with "status" (and any error) after the results.
// `slot` is the user's concurrent-statement slot: it is given back just before the last of
// the response leaves, so a client that sends its next request as soon as it has the answer
// finds it free.
void RunBatch(const HttpRequest& request, const SqlRequest& parsed,
              const std::vector<std::string>& statements, sql::ExecutionContext context,
              std::optional<StatementSlots::Slot> slot, const SqlRouteServices& services,
              const Responder& respond) {
  context.parameters = parsed.params;
  context.statement_timeout = services.limits.statement_timeout;
  context.max_rows_per_statement = services.limits.max_rows_per_statement;
  context.client_gone = request.client_gone;
  if (parsed.namespace_id.has_value()) {
    Result<std::string> ns = catalog::NormalizeName(*parsed.namespace_id, "namespace");
    if (!ns.ok())
      return respond(ErrorResponse(request, 400, "INVALID_REQUEST", ns.status().message()));
    context.default_namespace = *ns;
  }
  std::unique_ptr<ChunkedWriter> stream;
  JsonResultWriter writer(
      respond.CanStream() ? kStreamAfterBytes : SIZE_MAX,
      [&](std::string_view text) {
        if (stream == nullptr) {
          stream = respond.BeginChunked({});
          if (!stream->Write(R"({"results":)")) return false;
        }
        return stream->Write(text);
      },
      services.limits.max_result_bytes);
  sql::BatchOutcome outcome;
  try {
    outcome = services.executor.ExecuteBatch(statements, context, writer);
  } catch (const std::exception& e) {  // caught here: a stream may already be open
    outcome = {.status = Status::Internal(e.what())};
  }
  if (!outcome.status.ok()) writer.EndAtLastCompleteResult();
  if (writer.spilled()) {
    std::string tail = writer.TakeArray();
    tail += outcome.status.ok() ? R"(,"status":"success"})"
                                : R"(,"status":"error","error":)" + BatchErrorObject(outcome) + "}";
    slot.reset();
    stream->Write(AppendTook(std::move(tail), request.received_at));
    return stream->Finish();
  }
  slot.reset();
  if (!outcome.status.ok()) {
    // The statements before the failed one are committed: their results are reported.
    std::string body = R"({"status":"error","error":)" + BatchErrorObject(outcome) +
                       R"(,"results":)" + writer.TakeArray() + "}";
    return respond({.status = HttpStatusForBatch(outcome.status),
                    .body = AppendTook(std::move(body), request.received_at)});
  }
  std::string body = R"({"status":"success","results":)" + writer.TakeArray() + "}";
  respond({.body = AppendTook(std::move(body), request.received_at)});
}

// Authenticates, applies the per-user rate limit and concurrent-statement cap, then parses
// the body and runs the batch. On a worker thread: checking a password is deliberately slow,
// and the body of a request that is not authenticated is never interpreted.
void AuthenticateAndRun(const HttpRequest& request, SqlRouteServices& services,
                        const Responder& respond) {
  auto authenticated = AuthenticateRequest(request, services.authenticator, services.auth_settings,
                                           services.executor);
  if (auto* error = std::get_if<HttpResponse>(&authenticated)) return respond(std::move(*error));
  const auth::Principal& principal = std::get<auth::Principal>(authenticated);
  sql::ExecutionContext context = ContextFor(request, principal, services.auth_settings);
  if (!services.rate_limiter.Allow(principal.user_id, context.started_at_millis)) {
    return respond(
        ErrorResponse(request, 429, "RATE_LIMIT_EXCEEDED",
                      "too many requests for user '" + principal.username + "'; slow down"));
  }
  auto parsed = ParseBody(request, services.limits);
  if (auto* error = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*error));
  auto statements = SplitBatch(request, std::get<SqlRequest>(parsed), services.limits);
  if (auto* error = std::get_if<HttpResponse>(&statements)) return respond(std::move(*error));
  // Held until the response is complete, streamed or not: one user's statements never
  // occupy more than their share of the workers.
  std::optional<StatementSlots::Slot> slot = services.statement_slots.TryAcquire(principal.user_id);
  if (!slot.has_value()) {
    return respond(ErrorResponse(
        request, 429, "TOO_MANY_CONCURRENT_STATEMENTS",
        "user '" + principal.username + "' already runs " +
            std::to_string(services.statement_slots.per_user()) +
            " statements (max_concurrent_statements_per_user); wait for one to finish"));
  }
  RunBatch(request, std::get<SqlRequest>(parsed), std::get<std::vector<std::string>>(statements),
           std::move(context), std::move(slot), services, respond);
}

}  // namespace

void AddSqlRoutes(Router& router, SqlRouteServices& services) {
  router.Add("POST", "/v1/api/sql", [&services](HttpRequest&& request, const Responder& respond) {
    auto shared = std::make_shared<HttpRequest>(std::move(request));
    const bool queued = services.workers.Submit([shared, respond, &services] {
      // Every request gets an answer: a throwing library call must not leave the client
      // waiting for a response that never comes.
      try {
        AuthenticateAndRun(*shared, services, respond);
      } catch (const std::exception& e) {
        respond(ErrorResponse(*shared, Status::Internal(e.what())));
      }
    });
    if (!queued) {
      respond(
          ErrorResponse(*shared, 503, "SERVER_BUSY", "too many queued requests; retry shortly"));
    }
  });
}

}  // namespace kalam::api

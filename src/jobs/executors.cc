#include "jobs/executors.h"

#include "common/snowflake.h"

namespace kalam::jobs {
namespace {

constexpr int64_t kMillisPerDay = 24LL * 3600 * 1000;

std::optional<int64_t> RetentionDays(const boost::json::object& parameters) {
  const boost::json::value* days = parameters.if_contains("retention_days");
  if (days == nullptr || !days->is_int64() || days->as_int64() <= 0) return std::nullopt;
  return days->as_int64();
}

}  // namespace

Status JobCleanupExecutor::Validate(const boost::json::object& parameters) const {
  if (!RetentionDays(parameters).has_value()) {
    return Status::InvalidArgument("job_cleanup needs retention_days, a positive integer");
  }
  return Status();
}

Result<JobOutcome> JobCleanupExecutor::Run(JobContext& context) {
  const int64_t days = *RetentionDays(context.parameters());
  KALAM_ASSIGN_OR_RETURN(const size_t deleted,
                         manager_.DeleteFinishedBefore(clock_.NowMillis() - days * kMillisPerDay));
  return JobOutcome::Completed("deleted " + std::to_string(deleted) + " finished jobs older than " +
                               std::to_string(days) + " days");
}

Status UserCleanupExecutor::Validate(const boost::json::object& parameters) const {
  const boost::json::value* days = parameters.if_contains("grace_period_days");
  if (days == nullptr || !days->is_int64() || days->as_int64() < 0) {
    return Status::InvalidArgument("user_cleanup needs grace_period_days, an integer >= 0");
  }
  return Status();
}

Result<std::vector<catalog::UserRecord>> UserCleanupExecutor::DroppedBefore(
    const catalog::Catalog& catalog, int64_t cutoff_millis) {
  KALAM_ASSIGN_OR_RETURN(std::vector<catalog::UserRecord> users, catalog.ListUsers());
  std::erase_if(users, [&](const catalog::UserRecord& user) {
    return !user.deleted_at.has_value() || *user.deleted_at > cutoff_millis;
  });
  return users;
}

Result<JobOutcome> UserCleanupExecutor::Run(JobContext& context) {
  const int64_t days = context.parameters().at("grace_period_days").as_int64();
  KALAM_ASSIGN_OR_RETURN(const std::vector<catalog::UserRecord> due,
                         DroppedBefore(catalog_, clock_.NowMillis() - days * kMillisPerDay));
  if (due.empty()) return JobOutcome::Completed("no dropped user past the grace period");
  // Every table a user's rows can be in: USER and STREAM tables are scoped by user id.
  KALAM_ASSIGN_OR_RETURN(const std::vector<catalog::TableRecord> records, catalog_.ListTables());
  std::vector<std::shared_ptr<const catalog::CachedTable>> tables;
  for (const catalog::TableRecord& record : records) {
    if (record.table_type == catalog::TableType::kShared) continue;
    Result<std::shared_ptr<const catalog::CachedTable>> table =
        catalog_.GetTable(record.namespace_id, record.table_name);
    if (table.ok()) tables.push_back(*std::move(table));
  }
  size_t purged = 0;
  for (const catalog::UserRecord& user : due) {
    if (context.cancelled()) break;  // each user is done whole or not at all
    KALAM_RETURN_IF_ERROR(writer_.DeleteScope(tables, user.user_id));
    KALAM_RETURN_IF_ERROR(users_.PurgeDroppedUser(user.user_id));
    ++purged;
  }
  return JobOutcome::Completed("deleted the data of " + std::to_string(purged) +
                               " dropped users from " + std::to_string(tables.size()) + " tables");
}

Result<std::vector<std::pair<std::string, std::string>>> StreamEvictionExecutor::StreamTables(
    const catalog::Catalog& catalog) {
  KALAM_ASSIGN_OR_RETURN(const std::vector<catalog::TableRecord> tables, catalog.ListTables());
  std::vector<std::pair<std::string, std::string>> names;
  for (const catalog::TableRecord& table : tables) {
    if (table.table_type == catalog::TableType::kStream && table.options.ttl_seconds.has_value()) {
      names.emplace_back(table.namespace_id, table.table_name);
    }
  }
  return names;
}

Status StreamEvictionExecutor::Validate(const boost::json::object& parameters) const {
  if (const auto* batch = parameters.if_contains("batch_size");
      batch != nullptr && (!batch->is_int64() || batch->as_int64() < 1)) {
    return Status::InvalidArgument("stream_eviction batch_size must be a positive integer");
  }
  const auto* namespace_id = parameters.if_contains("namespace_id");
  const auto* table_name = parameters.if_contains("table_name");
  if ((namespace_id != nullptr || table_name != nullptr) &&
      (namespace_id == nullptr || !namespace_id->is_string() || table_name == nullptr ||
       !table_name->is_string())) {
    return Status::InvalidArgument(
        "stream_eviction names a table by namespace_id and table_name, both strings");
  }
  return Status();
}

Result<JobOutcome> StreamEvictionExecutor::Run(JobContext& context) {
  const boost::json::object& parameters = context.parameters();
  const auto* batch_value = parameters.if_contains("batch_size");
  const size_t batch =
      batch_value != nullptr ? static_cast<size_t>(batch_value->as_int64()) : 10000;
  std::vector<std::pair<std::string, std::string>> names;
  if (parameters.contains("table_name")) {
    names.emplace_back(parameters.at("namespace_id").as_string(),
                       parameters.at("table_name").as_string());
  } else {
    KALAM_ASSIGN_OR_RETURN(names, StreamTables(catalog_));
  }
  size_t evicted = 0;
  size_t tables = 0;
  for (const auto& [namespace_id, table_name] : names) {
    bool counted = false;
    while (!context.cancelled()) {
      // Read the table (again after an ALTER, which may change the TTL) and evict a batch.
      Result<std::shared_ptr<const catalog::CachedTable>> table =
          catalog_.GetTable(namespace_id, table_name);
      if (!table.ok()) break;  // dropped meanwhile
      const std::optional<uint64_t> ttl = (*table)->table.options.ttl_seconds;
      if ((*table)->table.table_type != catalog::TableType::kStream || !ttl.has_value()) break;
      tables += counted ? 0 : 1;
      counted = true;
      const int64_t cutoff = SnowflakeFloor(clock_.NowMillis() - static_cast<int64_t>(*ttl) * 1000);
      Result<size_t> n = writer_.EvictEvents(**table, cutoff, batch);
      if (!n.ok() && n.status().code() == StatusCode::kConflict) continue;
      if (!n.ok() && n.status().code() == StatusCode::kTableNotFound) break;  // dropped
      KALAM_RETURN_IF_ERROR(n.status());
      evicted += *n;
      if (*n < batch) break;
    }
    if (context.cancelled()) {
      return JobOutcome::Failed("cancelled after evicting " + std::to_string(evicted) + " events");
    }
  }
  return JobOutcome::Completed("evicted " + std::to_string(evicted) + " expired events from " +
                               std::to_string(tables) + " stream tables");
}

}  // namespace kalam::jobs

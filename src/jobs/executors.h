#pragma once

#include "auth/authenticator.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "jobs/job_manager.h"
#include "tables/table_writer.h"

namespace kalam::jobs {

// job_cleanup (JC): deletes completed, failed and cancelled jobs older than
// `retention_days` (a positive integer parameter).
class JobCleanupExecutor final : public JobExecutor {
 public:
  JobCleanupExecutor(JobManager& manager, const Clock& clock) : manager_(manager), clock_(clock) {}
  JobType type() const override { return JobType::kJobCleanup; }
  Status Validate(const boost::json::object& parameters) const override;
  Result<JobOutcome> Run(JobContext& context) override;

 private:
  JobManager& manager_;
  const Clock& clock_;
};

// stream_eviction (SE): physically deletes the expired events of STREAM tables (readers skip
// them already; this frees their space). Parameters: `namespace_id` and `table_name` for one
// table (default: every STREAM table with a TTL), `batch_size` (events per write, default
// 10000). Stops between batches when cancelled.
class StreamEvictionExecutor final : public JobExecutor {
 public:
  // The STREAM tables with a TTL, as (namespace, table).
  static Result<std::vector<std::pair<std::string, std::string>>> StreamTables(
      const catalog::Catalog& catalog);

  StreamEvictionExecutor(catalog::Catalog& catalog, tables::TableWriter& writer, const Clock& clock)
      : catalog_(catalog), writer_(writer), clock_(clock) {}
  JobType type() const override { return JobType::kStreamEviction; }
  Status Validate(const boost::json::object& parameters) const override;
  Result<JobOutcome> Run(JobContext& context) override;

 private:
  catalog::Catalog& catalog_;
  tables::TableWriter& writer_;
  const Clock& clock_;
};

// user_cleanup (UC): for each user dropped more than `grace_period_days` ago (a non-negative
// integer), deletes their rows and events in every USER and STREAM table, then forgets the
// user. Until then a dropped user's data stays (an operator can still recover it).
class UserCleanupExecutor final : public JobExecutor {
 public:
  // The users dropped at or before `cutoff_millis` (their grace period is over).
  static Result<std::vector<catalog::UserRecord>> DroppedBefore(const catalog::Catalog& catalog,
                                                                int64_t cutoff_millis);

  UserCleanupExecutor(catalog::Catalog& catalog, tables::TableWriter& writer,
                      auth::Authenticator& users, const Clock& clock)
      : catalog_(catalog), writer_(writer), users_(users), clock_(clock) {}
  JobType type() const override { return JobType::kUserCleanup; }
  Status Validate(const boost::json::object& parameters) const override;
  Result<JobOutcome> Run(JobContext& context) override;

 private:
  catalog::Catalog& catalog_;
  tables::TableWriter& writer_;
  auth::Authenticator& users_;
  const Clock& clock_;
};

}  // namespace kalam::jobs

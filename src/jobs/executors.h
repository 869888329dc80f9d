#pragma once

#include "common/clock.h"
#include "jobs/job_manager.h"

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

}  // namespace kalam::jobs

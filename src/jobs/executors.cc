#include "jobs/executors.h"

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

}  // namespace kalam::jobs

#pragma once

#include <string_view>

#include "common/status.h"

namespace kalam::sql {

// What the SQL layer asks of the background jobs (KILL JOB); implemented by
// jobs::JobManager, set once at start (SqlExecutor::SetJobs). Thread-safe.
class Jobs {
 public:
  virtual ~Jobs() = default;
  // Cancels the job: at once if it waits, cooperatively if it runs. kNotFound for an
  // unknown id, kInvalidArgument for a finished job.
  virtual Status Cancel(std::string_view job_id) = 0;
};

}  // namespace kalam::sql

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"
#include "jobs/job.h"
#include "sql/jobs.h"

namespace kalam::jobs {

// What an executor sees of the job it runs.
class JobContext {
 public:
  JobContext(const catalog::JobRecord& record, boost::json::object parameters,
             const std::atomic<bool>& cancelled)
      : record_(record), parameters_(std::move(parameters)), cancelled_(cancelled) {}

  const std::string& id() const { return record_.job_id; }
  const std::string& namespace_id() const { return record_.namespace_id; }
  const std::string& table_name() const { return record_.table_name; }
  const boost::json::object& parameters() const { return parameters_; }
  // The attempt being run, from 0 (retry_count before this run).
  uint32_t attempt() const { return record_.retry_count; }
  // KILL JOB asked the job to stop: the executor checks this between units of work and, once
  // it is set, returns after undoing what it had half done.
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  const catalog::JobRecord& record_;
  const boost::json::object parameters_;
  const std::atomic<bool>& cancelled_;
};

// The work of one job type. Executors run on the JobManager's threads, one job each.
class JobExecutor {
 public:
  virtual ~JobExecutor() = default;
  virtual JobType type() const = 0;
  // Checks a new job's parameters; an error refuses the job and nothing is created.
  virtual Status Validate(const boost::json::object& parameters) const {
    (void)parameters;
    return Status();
  }
  // Runs the job once. An error Status fails it ("Executor error: …"); a Retry outcome runs it
  // again after a backoff, until the job's max_retries.
  virtual Result<JobOutcome> Run(JobContext& context) = 0;
};

struct JobManagerOptions {
  size_t max_concurrent = 2;  // jobs running at once, each on its own thread
  uint32_t default_max_retries = 3;
  std::chrono::milliseconds retry_backoff{1000};       // before the first retry; doubles after
  std::chrono::milliseconds max_retry_backoff{60000};  // the doubling stops here
  std::string node_id = "node1";
  std::filesystem::path log_path;  // jobs.log: one line per transition; empty: no log
};

// A job to create.
struct JobRequest {
  JobType type = JobType::kFlush;
  std::string namespace_id;
  std::string table_name;
  boost::json::object parameters;
  // A second job with the key of an active (new, queued, running, retrying) one is refused.
  std::string idempotency_key;
  std::optional<uint32_t> max_retries;  // default: JobManagerOptions::default_max_retries
};

// The background jobs of the server: persisted records (system.jobs), an executor per type,
// `max_concurrent` worker threads taking the oldest runnable job, retries with exponential
// backoff, idempotency keys, cooperative cancellation, and recovery after a crash (a job that
// was running is marked failed, and one with an idempotency key is queued again as a new job).
// Every transition is written to the catalog first and then to jobs.log.
//
// Thread-safety: every method may be called from any thread.
class JobManager final : public sql::Jobs {
 public:
  JobManager(JobManagerOptions options, catalog::Catalog& catalog, const Clock& clock);
  ~JobManager() override;
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Before Start: the executor of its type (one per type).
  void Register(std::unique_ptr<JobExecutor> executor);
  // Recovers the persisted jobs and starts the worker threads.
  Status Start() KALAM_EXCLUDES(mu_);
  // Asks running jobs to stop, waits for the workers, leaves queued jobs for the next start.
  void Stop() KALAM_EXCLUDES(mu_);

  // Creates a job (status queued) and returns its id. kIdempotentConflict when an active job
  // holds the key; kInvalidArgument for a type with no executor yet or bad parameters.
  Result<std::string> Create(JobRequest request) KALAM_EXCLUDES(mu_);
  // Cancels a job: at once if it waits, cooperatively if it runs. kNotFound for an unknown id,
  // kInvalidArgument for one that already finished.
  Status Cancel(std::string_view job_id) override KALAM_EXCLUDES(mu_);
  Result<catalog::JobRecord> Get(std::string_view job_id) const KALAM_EXCLUDES(mu_);
  // Deletes finished jobs that finished before `cutoff_millis`; how many.
  Result<size_t> DeleteFinishedBefore(int64_t cutoff_millis) KALAM_EXCLUDES(mu_);

  // Before Start: creates `request` every `interval` (the first one `interval` after Start)
  // when `due()` says there is work (absent: always), with the idempotency key `name`, so a
  // scheduled job never runs twice at once and never piles up behind a slow one.
  void Schedule(std::string name, std::chrono::milliseconds interval, JobRequest request,
                std::function<bool()> due = {});

 private:
  struct Entry {
    catalog::JobRecord record;
    JobStatus status = JobStatus::kQueued;
    int64_t runnable_at = 0;  // a retrying job waits until then
    bool killed = false;      // KILL JOB (not a shutdown) asked it to stop
    uint64_t order = 0;       // creation order: claims are FIFO within one millisecond
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  };
  // A transition's changes besides the status.
  struct Change {
    std::string message;
    std::string trace;
    std::optional<uint32_t> retry_count;
    std::optional<int64_t> runnable_at;
  };

  struct Scheduled {
    std::string name;
    std::chrono::milliseconds interval;
    JobRequest request;
    std::function<bool()> due;
    std::chrono::steady_clock::time_point next_at;
  };

  void Work(const std::stop_token& stop) KALAM_EXCLUDES(mu_);
  // Creates the scheduled jobs that are due.
  void RunSchedules(const std::stop_token& stop) KALAM_EXCLUDES(mu_);
  // The oldest runnable job, marked running; nullopt if none is runnable now.
  std::optional<std::string> Claim() KALAM_REQUIRES(mu_);
  void Finish(const std::string& id, Result<JobOutcome> outcome) KALAM_EXCLUDES(mu_);
  // Sets the status and `change`, stamps, persists and logs. Memory is updated only if the
  // write succeeds.
  Status Transition(Entry& entry, JobStatus status, Change change = {}) KALAM_REQUIRES(mu_);
  // Something a waiting worker may act on happened.
  void Notify() KALAM_REQUIRES(mu_);
  void Log(const catalog::JobRecord& record) KALAM_REQUIRES(mu_);
  Result<std::string> CreateLocked(JobRequest request) KALAM_REQUIRES(mu_);

  const JobManagerOptions options_;
  catalog::Catalog& catalog_;
  const Clock& clock_;
  std::map<JobType, std::unique_ptr<JobExecutor>> executors_;  // fixed before Start
  std::vector<Scheduled> schedules_;                           // fixed before Start

  mutable Mutex mu_;
  std::condition_variable_any changed_;
  std::map<std::string, Entry> jobs_ KALAM_GUARDED_BY(mu_);
  std::ofstream log_ KALAM_GUARDED_BY(mu_);
  uint64_t generation_ KALAM_GUARDED_BY(mu_) = 0;  // bumped by Notify
  uint64_t next_order_ KALAM_GUARDED_BY(mu_) = 0;
  bool started_ KALAM_GUARDED_BY(mu_) = false;
  bool stopping_ KALAM_GUARDED_BY(mu_) = false;  // no job is claimed once set
  std::vector<std::jthread> workers_;
};

}  // namespace kalam::jobs

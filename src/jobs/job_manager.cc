#include "jobs/job_manager.h"

#include <algorithm>

#include "common/log.h"
#include "tables/coerce.h"

namespace kalam::jobs {
namespace {

constexpr int64_t kIdlePollMillis = 200;  // a worker looks again this often when it waits

boost::json::object ParseParameters(const std::string& text) {
  if (text.empty()) return {};
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(text, error);
  if (error || !value.is_object()) return {};
  return std::move(value.as_object());
}

bool IsFinished(JobStatus status) {
  return !IsActive(status);
}

}  // namespace

JobManager::JobManager(JobManagerOptions options, catalog::Catalog& catalog, const Clock& clock)
    : options_(std::move(options)), catalog_(catalog), clock_(clock) {}

JobManager::~JobManager() {
  Stop();
}

void JobManager::Register(std::unique_ptr<JobExecutor> executor) {
  const JobType type = executor->type();
  executors_[type] = std::move(executor);
}

Status JobManager::Start() {
  {
    MutexLock lock(mu_);
    if (started_) return Status();
    if (!options_.log_path.empty()) {
      std::error_code ignored;
      std::filesystem::create_directories(options_.log_path.parent_path(), ignored);
      log_.open(options_.log_path, std::ios::app);
      if (!log_) return Status::IOError("cannot open " + options_.log_path.string());
    }
    Result<std::vector<catalog::JobRecord>> listed = catalog_.ListJobs();
    if (!listed.ok()) {
      log_.close();  // a later Start opens it again
      return listed.status();
    }
    std::vector<catalog::JobRecord> records = std::move(listed).value();
    std::stable_sort(records.begin(), records.end(),
                     [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
    std::vector<JobRequest> requeue;
    for (catalog::JobRecord& record : records) {
      Entry entry;
      entry.order = next_order_++;
      entry.status = ParseJobStatus(record.status).value_or(JobStatus::kFailed);
      entry.record = std::move(record);
      const std::string id = entry.record.job_id;
      Entry& stored = jobs_.emplace(id, std::move(entry)).first->second;
      if (stored.status == JobStatus::kRunning) {
        // It did not finish: whatever it did is undone by its own design (a flush commits in
        // one batch), so it failed; a job with a key (a scheduled or idempotent one) runs again.
        KALAM_RETURN_IF_ERROR(Transition(
            stored, JobStatus::kFailed,
            {.message = "Server restarted", .trace = "Job was running when server shut down"}));
        if (!stored.record.idempotency_key.empty()) {
          const std::optional<JobType> type = ParseJobType(stored.record.job_type);
          if (type.has_value()) {
            requeue.push_back({.type = *type,
                               .namespace_id = stored.record.namespace_id,
                               .table_name = stored.record.table_name,
                               .parameters = ParseParameters(stored.record.parameters),
                               .idempotency_key = stored.record.idempotency_key,
                               .max_retries = stored.record.max_retries});
          }
        }
      } else if (stored.status == JobStatus::kNew) {
        KALAM_RETURN_IF_ERROR(Transition(stored, JobStatus::kQueued));
      }
      const std::optional<JobType> type = ParseJobType(stored.record.job_type);
      if (IsActive(stored.status) && (!type.has_value() || !executors_.contains(*type))) {
        KALAM_RETURN_IF_ERROR(
            Transition(stored, JobStatus::kFailed,
                       {.message = "no executor for job type '" + stored.record.job_type + "'"}));
      }
    }
    for (JobRequest& request : requeue) {
      Result<std::string> created = CreateLocked(std::move(request));
      if (!created.ok()) KALAM_LOG_WARN("jobs", "re-queue failed: {}", created.status().ToString());
    }
    started_ = true;
  }
  for (size_t i = 0; i < std::max<size_t>(options_.max_concurrent, 1); ++i)
    workers_.emplace_back([this](std::stop_token stop) { Work(stop); });
  if (!schedules_.empty()) {
    const auto now = std::chrono::steady_clock::now();
    for (Scheduled& scheduled : schedules_)
      scheduled.next_at = now + scheduled.interval;
    workers_.emplace_back([this](std::stop_token stop) { RunSchedules(stop); });
  }
  return Status();
}

void JobManager::Schedule(std::string name, std::chrono::milliseconds interval, JobRequest request,
                          std::function<bool()> due) {
  request.idempotency_key = name;
  schedules_.push_back({std::move(name),
                        std::max(interval, std::chrono::milliseconds(1)),
                        std::move(request),
                        std::move(due),
                        {}});
}

void JobManager::RunSchedules(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::milliseconds(kIdlePollMillis);
    for (Scheduled& scheduled : schedules_) {
      if (now >= scheduled.next_at) {
        scheduled.next_at = now + scheduled.interval;
        if (!scheduled.due || scheduled.due()) {
          Result<std::string> created = Create(scheduled.request);
          if (!created.ok() && created.status().code() != StatusCode::kIdempotentConflict) {
            KALAM_LOG_WARN("jobs", "scheduled job {} not created: {}", scheduled.name,
                           created.status().ToString());
          }
        }
      }
      next = std::min(next, scheduled.next_at);
    }
    MutexLock lock(mu_);
    changed_.wait_until(mu_, stop, next,
                        [&]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return stopping_; });
  }
}

void JobManager::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;  // before the flags: nothing is claimed after this
    for (auto& [id, entry] : jobs_) {
      if (entry.status == JobStatus::kRunning) entry.cancel->store(true);
    }
    Notify();
  }
  for (std::jthread& worker : workers_)
    worker.request_stop();
  changed_.notify_all();
  workers_.clear();  // joins
}

Result<std::string> JobManager::Create(JobRequest request) {
  MutexLock lock(mu_);
  return CreateLocked(std::move(request));
}

Result<std::string> JobManager::CreateLocked(JobRequest request) {
  const auto executor = executors_.find(request.type);
  if (executor == executors_.end()) {
    return Status::InvalidArgument("job type '" + std::string(JobTypeName(request.type)) +
                                   "' is not available yet");
  }
  KALAM_RETURN_IF_ERROR(executor->second->Validate(request.parameters));
  if (!request.idempotency_key.empty()) {
    for (const auto& [id, entry] : jobs_) {
      if (IsActive(entry.status) && entry.record.idempotency_key == request.idempotency_key) {
        return Status::IdempotentConflict(
            "job " + id + " (" + std::string(JobStatusName(entry.status)) +
            ") already holds idempotency key '" + request.idempotency_key + "'");
      }
    }
  }
  Entry entry;
  entry.order = next_order_++;
  entry.status = JobStatus::kNew;
  catalog::JobRecord& record = entry.record;
  record.job_id = NewJobId(request.type);
  record.job_type = std::string(JobTypeName(request.type));
  record.namespace_id = std::move(request.namespace_id);
  record.table_name = std::move(request.table_name);
  record.parameters = boost::json::serialize(request.parameters);
  record.idempotency_key = std::move(request.idempotency_key);
  record.max_retries = request.max_retries.value_or(options_.default_max_retries);
  record.node_id = options_.node_id;
  record.created_at = clock_.NowMillis();
  // Persisted as queued in one write (new is the state before that write).
  KALAM_RETURN_IF_ERROR(Transition(entry, JobStatus::kQueued));
  const std::string id = record.job_id;
  jobs_.emplace(id, std::move(entry));
  Notify();
  return id;
}

Status JobManager::Cancel(std::string_view job_id) {
  MutexLock lock(mu_);
  const auto it = jobs_.find(std::string(job_id));
  if (it == jobs_.end()) return Status::NotFound("no job '" + std::string(job_id) + "'");
  Entry& entry = it->second;
  if (IsFinished(entry.status)) {
    return Status::InvalidArgument("job " + std::string(job_id) + " already " +
                                   std::string(JobStatusName(entry.status)));
  }
  if (entry.status == JobStatus::kRunning) {
    entry.killed = true;  // Finish marks it cancelled once the executor returns
    entry.cancel->store(true);
    return Status();
  }
  KALAM_RETURN_IF_ERROR(
      Transition(entry, JobStatus::kCancelled, {.message = "Cancelled by KILL JOB"}));
  Notify();
  return Status();
}

Result<catalog::JobRecord> JobManager::Get(std::string_view job_id) const {
  MutexLock lock(mu_);
  const auto it = jobs_.find(std::string(job_id));
  if (it == jobs_.end()) return Status::NotFound("no job '" + std::string(job_id) + "'");
  return it->second.record;
}

Result<size_t> JobManager::DeleteFinishedBefore(int64_t cutoff_millis) {
  MutexLock lock(mu_);
  std::vector<std::string> old;
  for (const auto& [id, entry] : jobs_) {
    if (IsFinished(entry.status) &&
        entry.record.completed_at.value_or(entry.record.updated_at) < cutoff_millis) {
      old.push_back(id);
    }
  }
  if (old.empty()) return size_t{0};
  KALAM_RETURN_IF_ERROR(catalog_.DeleteJobs(old));  // one write, then memory
  for (const std::string& id : old)
    jobs_.erase(id);
  return old.size();
}

std::optional<std::string> JobManager::Claim() {
  if (stopping_) return std::nullopt;
  const int64_t now = clock_.NowMillis();
  const Entry* oldest = nullptr;
  for (const auto& [id, entry] : jobs_) {
    const bool runnable = entry.status == JobStatus::kQueued ||
                          (entry.status == JobStatus::kRetrying && entry.runnable_at <= now);
    if (!runnable) continue;
    if (oldest == nullptr || entry.order < oldest->order) oldest = &entry;
  }
  if (oldest == nullptr) return std::nullopt;
  Entry& entry = jobs_.at(oldest->record.job_id);
  if (!Transition(entry, JobStatus::kRunning).ok()) return std::nullopt;
  return entry.record.job_id;
}

void JobManager::Work(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    std::optional<std::string> id;
    JobExecutor* executor = nullptr;
    catalog::JobRecord record;
    std::shared_ptr<std::atomic<bool>> cancel;
    {
      MutexLock lock(mu_);
      const uint64_t seen = generation_;
      id = Claim();
      if (!id.has_value()) {
        // Until something changes or the earliest retry is due.
        int64_t wait = kIdlePollMillis;
        const int64_t now = clock_.NowMillis();
        for (const auto& [key, entry] : jobs_) {
          if (entry.status == JobStatus::kRetrying) {
            wait = std::min(wait, std::max<int64_t>(entry.runnable_at - now, 1));
          }
        }
        changed_.wait_for(mu_, stop, std::chrono::milliseconds(wait),
                          [&]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return seen != generation_; });
        continue;
      }
      const Entry& entry = jobs_.at(*id);
      record = entry.record;
      cancel = entry.cancel;
      executor = executors_.at(*ParseJobType(record.job_type)).get();  // checked at Start/Create
    }
    JobContext context(record, ParseParameters(record.parameters), *cancel);
    Result<JobOutcome> outcome = Status::Internal("the executor did not return");
    try {
      outcome = executor->Run(context);
    } catch (const std::exception& error) {
      outcome = Status::Internal(std::string("exception: ") + error.what());
    }
    Finish(*id, std::move(outcome));
  }
}

void JobManager::Finish(const std::string& id, Result<JobOutcome> outcome) {
  MutexLock lock(mu_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  Entry& entry = it->second;
  JobStatus status = JobStatus::kFailed;
  Change change;
  if (!outcome.ok()) {
    change = {.message = "Executor error: " + std::string(outcome.status().message()),
              .trace = outcome.status().ToString()};
  } else if (outcome->kind == JobOutcome::Kind::kCompleted) {
    status = JobStatus::kCompleted;
    change.message = std::move(outcome->message);
  } else if (entry.cancel->load() && entry.killed) {
    status = JobStatus::kCancelled;
    change = {.message = "Cancelled by KILL JOB", .trace = outcome->message};
  } else if (entry.cancel->load()) {
    // Stopped by a shutdown, its partial work undone: it runs again at the next start.
    status = JobStatus::kQueued;
  } else if (outcome->kind == JobOutcome::Kind::kFailed) {
    change = {.message = std::move(outcome->message), .trace = std::move(outcome->trace)};
  } else if (entry.record.retry_count >= entry.record.max_retries) {
    change = {.message = "Max retries exceeded: " + outcome->message,
              .trace = std::move(outcome->trace)};
  } else {
    // Exponential backoff: retry_backoff, then twice that, … up to max_retry_backoff (+1:
    // the clock reads whole milliseconds, the wait is at least the backoff).
    const int64_t base = options_.retry_backoff.count();
    const int64_t backoff =
        std::min<int64_t>(options_.max_retry_backoff.count(),
                          base << std::min<uint32_t>(entry.record.retry_count, 20));
    status = JobStatus::kRetrying;
    change = {.message = std::move(outcome->message),
              .trace = std::move(outcome->trace),
              .retry_count = entry.record.retry_count + 1,
              .runnable_at = clock_.NowMillis() + backoff + 1};
  }
  if (const Status written = Transition(entry, status, change); !written.ok()) {
    // The record still says running: a restart fails it. Here it is finished, so its key is
    // free and no worker waits on it.
    KALAM_LOG_ERROR("jobs", "job {} finished but its record could not be written: {}", id,
                    written.ToString());
    entry.status = JobStatus::kFailed;
  }
  Notify();
}

void JobManager::Notify() {
  ++generation_;
  changed_.notify_all();
}

Status JobManager::Transition(Entry& entry, JobStatus status, Change change) {
  catalog::JobRecord updated = entry.record;
  const int64_t now = clock_.NowMillis();
  updated.status = std::string(JobStatusName(status));
  updated.updated_at = now;
  if (status == JobStatus::kRunning) updated.started_at = now;
  if (IsFinished(status)) updated.completed_at = now;
  if (status != JobStatus::kRunning && status != JobStatus::kQueued) {
    updated.message = std::move(change.message);
    updated.exception_trace = std::move(change.trace);
  }
  if (change.retry_count.has_value()) updated.retry_count = *change.retry_count;
  KALAM_RETURN_IF_ERROR(catalog_.PutJob(updated));
  entry.record = std::move(updated);
  entry.status = status;
  if (change.runnable_at.has_value()) entry.runnable_at = *change.runnable_at;
  Log(entry.record);
  return Status();
}

void JobManager::Log(const catalog::JobRecord& record) {
  if (!log_.is_open()) return;
  log_ << tables::FormatTimestampMicros(record.updated_at * 1000) << ' ' << record.job_id << ' '
       << record.job_type << ' ' << record.status;
  if (!record.namespace_id.empty()) {
    log_ << " table=" << record.namespace_id << (record.table_name.empty() ? "" : ".")
         << record.table_name;
  }
  if (record.status == "retrying") log_ << " retry=" << record.retry_count;
  if (!record.message.empty() && record.status != "running" && record.status != "queued") {
    std::string message = record.message;
    std::replace(message.begin(), message.end(), '\n', ' ');  // one line per transition
    std::replace(message.begin(), message.end(), '"', '\'');
    log_ << " message=\"" << message << '"';
  }
  log_ << '\n';
  log_.flush();
}

}  // namespace kalam::jobs

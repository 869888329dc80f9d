// The job system's acceptance scenarios (AS1–AS33 of the jobs issue) against a real catalog
// on RocksDB, with executors whose behaviour each test scripts through the job's parameters.
#include "jobs/job_manager.h"

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jobs/executors.h"
#include "storage/kv_store.h"
#include "tests/testing/test_util.h"

namespace kalam::jobs {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using SteadyTimePoint = std::chrono::steady_clock::time_point;

// Shared by the scripted executors of one test.
struct Script {
  std::atomic<int> running{0};
  std::atomic<int> most_running{0};
  std::atomic<int> runs{0};
  std::atomic<bool> saw_cancel{false};
  std::atomic<bool> release{false};  // "block" jobs finish once set
  Mutex mu;
  std::vector<SteadyTimePoint> run_times KALAM_GUARDED_BY(mu);
  std::vector<int64_t> seen_n KALAM_GUARDED_BY(mu);
};

// parameters.behavior: "complete" (default), "fail", "error", "retry" (always),
// "retry_then_complete" (parameters.retries times), "block" (until released or cancelled),
// "sleep" (parameters.ms); parameters.n is recorded.
class ScriptedExecutor final : public JobExecutor {
 public:
  ScriptedExecutor(JobType type, Script& script) : type_(type), script_(script) {}
  JobType type() const override { return type_; }
  Result<JobOutcome> Run(JobContext& context) override {
    const int now_running = ++script_.running;
    int most = script_.most_running.load();
    while (now_running > most && !script_.most_running.compare_exchange_weak(most, now_running)) {
    }
    ++script_.runs;
    {
      MutexLock lock(script_.mu);
      script_.run_times.push_back(std::chrono::steady_clock::now());
      if (const auto* n = context.parameters().if_contains("n")) {
        script_.seen_n.push_back(n->as_int64());
      }
    }
    Result<JobOutcome> outcome = Behave(context);
    --script_.running;
    return outcome;
  }

 private:
  Result<JobOutcome> Behave(JobContext& context) {
    const auto* behavior = context.parameters().if_contains("behavior");
    const std::string what = behavior != nullptr ? std::string(behavior->as_string()) : "complete";
    if (what == "fail") {
      const auto* trace = context.parameters().if_contains("trace");
      return JobOutcome::Failed("it broke",
                                trace != nullptr ? std::string(trace->as_string()) : "at step 3");
    }
    if (what == "error") return Status::IOError("disk on fire");
    if (what == "throw") throw std::runtime_error("out of range");
    if (what == "retry")
      return JobOutcome::Retry("try again",
                               "transient at attempt " + std::to_string(context.attempt()));
    if (what == "retry_then_complete") {
      if (context.attempt() < context.parameters().at("retries").as_int64()) {
        return JobOutcome::Retry("not yet");
      }
      return JobOutcome::Completed("done after " + std::to_string(context.attempt()) + " retries");
    }
    if (what == "block") {
      while (!script_.release.load() && !context.cancelled())
        std::this_thread::sleep_for(1ms);
      if (context.cancelled()) {
        script_.saw_cancel = true;  // a real executor undoes its half-done work here
        return JobOutcome::Failed("stopped");
      }
      return JobOutcome::Completed("released");
    }
    if (what == "sleep")
      std::this_thread::sleep_for(
          std::chrono::milliseconds(context.parameters().at("ms").as_int64()));
    return JobOutcome::Completed("done " + context.id());
  }

  const JobType type_;
  Script& script_;
};

class JobManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenCatalog(); }
  void OpenCatalog() {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore((dir_.path() / "db").string(), {}));
    ASSERT_OK_AND_ASSIGN(catalog_,
                         catalog::Catalog::Open(*kv_, clock_, {.default_storage_path = "/st"}));
  }
  // A manager with a scripted executor for every type (or only `types`), not started.
  std::unique_ptr<JobManager> Manager(JobManagerOptions options = {},
                                      std::vector<JobType> types = {std::begin(kAllJobTypes),
                                                                    std::end(kAllJobTypes)}) {
    options.log_path = log_path();
    if (options.retry_backoff == JobManagerOptions{}.retry_backoff) options.retry_backoff = 5ms;
    auto manager = std::make_unique<JobManager>(options, *catalog_, clock_);
    for (JobType type : types)
      manager->Register(std::make_unique<ScriptedExecutor>(type, script_));
    return manager;
  }
  std::unique_ptr<JobManager> Started(JobManagerOptions options = {}) {
    auto manager = Manager(std::move(options));
    EXPECT_OK(manager->Start());
    return manager;
  }
  static JobRequest Request(boost::json::object parameters = {}, JobType type = JobType::kFlush) {
    return {.type = type,
            .namespace_id = "app",
            .table_name = "t",
            .parameters = std::move(parameters)};
  }
  // Waits until the job reaches `status` (a finished status never changes again).
  catalog::JobRecord WaitFor(JobManager& manager, const std::string& id, std::string_view status,
                             std::chrono::milliseconds deadline = 10s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    Result<catalog::JobRecord> record = manager.Get(id);
    while (std::chrono::steady_clock::now() < until) {
      record = manager.Get(id);
      if (record.ok() && record->status == status) return *record;
      std::this_thread::sleep_for(1ms);
    }
    ADD_FAILURE() << id << " never became " << status << " (is "
                  << (record.ok() ? record->status : record.status().ToString()) << ")";
    return record.ok() ? *record : catalog::JobRecord{};
  }
  // Waits (up to 10 s) until `done`.
  static bool Eventually(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  std::filesystem::path log_path() const { return dir_.path() / "logs" / "jobs.log"; }
  std::vector<std::string> LogLines(std::string_view containing) const {
    std::ifstream in(log_path());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (line.find(containing) != std::string::npos) lines.push_back(line);
    }
    return lines;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  Script script_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

// AS1, AS7: a new job is queued, with its type's prefix and 12 hex digits.
TEST_F(JobManagerTest, ANewJobIsQueuedWithItsTypesPrefix) {
  auto manager = Manager();  // not started: nothing runs
  const std::map<JobType, std::string> prefixes{
      {JobType::kFlush, "FL"},      {JobType::kCompact, "CO"},
      {JobType::kCleanup, "CL"},    {JobType::kJobCleanup, "JC"},
      {JobType::kBackup, "BK"},     {JobType::kRestore, "RS"},
      {JobType::kRetention, "RT"},  {JobType::kStreamEviction, "SE"},
      {JobType::kUserCleanup, "UC"}};
  for (const auto& [type, prefix] : prefixes) {
    ASSERT_OK_AND_ASSIGN(const std::string id, manager->Create(Request({}, type)));
    EXPECT_THAT(id, ::testing::MatchesRegex(prefix + "-[0-9a-f]{12}"));
    ASSERT_OK_AND_ASSIGN(const catalog::JobRecord record, manager->Get(id));
    EXPECT_EQ(record.status, "queued");
    EXPECT_EQ(record.job_type, JobTypeName(type));
    EXPECT_EQ(record.retry_count, 0u);
    EXPECT_EQ(record.max_retries, 3u);
  }
  ASSERT_OK_AND_ASSIGN(const auto persisted, catalog_->ListJobs());
  EXPECT_EQ(persisted.size(), prefixes.size());
}

// AS2, AS3, AS8, AS17: queued → running → completed, with the message stored and each step
// in jobs.log, where grepping the id prefix finds exactly that type's lines.
TEST_F(JobManagerTest, AJobRunsToCompletionAndEveryStepIsLogged) {
  auto manager = Started();
  ASSERT_OK_AND_ASSIGN(const std::string flush, manager->Create(Request()));
  ASSERT_OK_AND_ASSIGN(const std::string cleanup, manager->Create(Request({}, JobType::kCleanup)));
  const catalog::JobRecord done = WaitFor(*manager, flush, "completed");
  WaitFor(*manager, cleanup, "completed");
  EXPECT_EQ(done.message, "done " + flush);
  EXPECT_TRUE(done.exception_trace.empty());
  ASSERT_TRUE(done.started_at.has_value());
  ASSERT_TRUE(done.completed_at.has_value());
  EXPECT_LE(done.created_at, *done.started_at);
  EXPECT_LE(*done.started_at, *done.completed_at);
  const std::vector<std::string> lines = LogLines(flush);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr(" queued"));
  EXPECT_THAT(lines[1], HasSubstr(" running"));
  EXPECT_THAT(lines[2], HasSubstr(" completed"));
  EXPECT_THAT(lines[2], HasSubstr("message=\"done " + flush + "\""));
  for (const std::string& line : LogLines("FL-"))
    EXPECT_THAT(line, HasSubstr(" flush "));
  EXPECT_EQ(LogLines("CL-").size(), 3u);
}

// AS4, AS19, AS26–AS28: a transient failure is retried with exponential backoff.
TEST_F(JobManagerTest, ATransientFailureIsRetriedWithGrowingBackoff) {
  auto manager = Started({.retry_backoff = 30ms});
  ASSERT_OK_AND_ASSIGN(
      const std::string id,
      manager->Create(Request({{"behavior", "retry_then_complete"}, {"retries", 2}})));
  const catalog::JobRecord done = WaitFor(*manager, id, "completed");
  EXPECT_EQ(done.retry_count, 2u);
  EXPECT_EQ(done.message, "done after 2 retries");
  const std::vector<std::string> retrying = LogLines(id + " flush retrying");
  ASSERT_EQ(retrying.size(), 2u);
  EXPECT_THAT(retrying[0], HasSubstr("retry=1 message=\"not yet\""));
  EXPECT_THAT(retrying[1], HasSubstr("retry=2"));
  MutexLock lock(script_.mu);
  ASSERT_EQ(script_.run_times.size(), 3u);
  EXPECT_GE(script_.run_times[1] - script_.run_times[0], 30ms);
  EXPECT_GE(script_.run_times[2] - script_.run_times[1], 60ms);  // doubled
}

// AS5, AS18, AS29, AS30: past max_retries the job fails, keeping the last message and trace;
// max_retries is per job.
TEST_F(JobManagerTest, AJobFailsAfterItsMaxRetries) {
  auto manager = Started();
  JobRequest request = Request({{"behavior", "retry"}});
  request.max_retries = 2;
  ASSERT_OK_AND_ASSIGN(const std::string id, manager->Create(request));
  const catalog::JobRecord failed = WaitFor(*manager, id, "failed");
  EXPECT_EQ(failed.retry_count, 2u);
  EXPECT_EQ(failed.max_retries, 2u);
  EXPECT_EQ(failed.message, "Max retries exceeded: try again");
  EXPECT_EQ(failed.exception_trace, "transient at attempt 2");
  EXPECT_EQ(script_.runs.load(), 3);  // the first attempt and two retries

  request.max_retries = 0;
  ASSERT_OK_AND_ASSIGN(const std::string once, manager->Create(request));
  EXPECT_EQ(WaitFor(*manager, once, "failed").retry_count, 0u);
  EXPECT_EQ(script_.runs.load(), 4);
}

// AS18, AS20–AS25: failures keep their message and whole trace; an executor error is one too.
TEST_F(JobManagerTest, FailuresKeepTheirMessageAndTrace) {
  auto manager = Started();
  std::string long_trace;
  for (int i = 0; i < 500; ++i)
    long_trace += "frame " + std::to_string(i) +
                  ": kalam::cold::Flush(...) at flush.cc:" + std::to_string(i) + "\n";
  ASSERT_OK_AND_ASSIGN(const std::string failing,
                       manager->Create(Request({{"behavior", "fail"}, {"trace", long_trace}})));
  ASSERT_OK_AND_ASSIGN(const std::string erroring,
                       manager->Create(Request({{"behavior", "error"}})));
  const catalog::JobRecord failed = WaitFor(*manager, failing, "failed");
  EXPECT_EQ(failed.message, "it broke");
  EXPECT_EQ(failed.exception_trace, long_trace);
  EXPECT_EQ(failed.retry_count, 0u);  // a failure is not retried
  ASSERT_OK_AND_ASSIGN(const std::string throwing,
                       manager->Create(Request({{"behavior", "throw"}})));
  // An exception fails the job, not the process.
  EXPECT_EQ(WaitFor(*manager, throwing, "failed").message,
            "Executor error: exception: out of range");
  const catalog::JobRecord errored = WaitFor(*manager, erroring, "failed");
  EXPECT_EQ(errored.message, "Executor error: disk on fire");
  EXPECT_THAT(errored.exception_trace, HasSubstr("disk on fire"));
  // The log stays one line per transition.
  EXPECT_EQ(LogLines(failing).size(), 3u);
  // Persisted as shown.
  manager.reset();
  auto reopened = Manager();
  ASSERT_OK(reopened->Start());
  ASSERT_OK_AND_ASSIGN(const catalog::JobRecord read, reopened->Get(failing));
  EXPECT_EQ(read.exception_trace, long_trace);
}

// AS6: a job that was running when the server died is failed at the next start; one with an
// idempotency key is queued again as a new job, which runs.
TEST_F(JobManagerTest, AfterACrashRunningJobsAreFailedAndKeyedOnesRunAgain) {
  const int64_t now = clock_.NowMillis();
  for (const auto& [id, key] : {std::pair<std::string, std::string>{"FL-aaaaaaaaaaaa", ""},
                                {"FL-bbbbbbbbbbbb", "flush-app-t"}}) {
    ASSERT_OK(catalog_->PutJob({.job_id = id,
                                .job_type = "flush",
                                .namespace_id = "app",
                                .table_name = "t",
                                .status = "running",
                                .parameters = R"({"n":7})",
                                .idempotency_key = key,
                                .max_retries = 3,
                                .node_id = "node1",
                                .created_at = now - 1000,
                                .updated_at = now - 500,
                                .started_at = now - 500}));
  }
  auto manager = Started();
  for (const std::string id : {"FL-aaaaaaaaaaaa", "FL-bbbbbbbbbbbb"}) {
    ASSERT_OK_AND_ASSIGN(const catalog::JobRecord record, manager->Get(id));
    EXPECT_EQ(record.status, "failed");
    EXPECT_EQ(record.message, "Server restarted");
    EXPECT_EQ(record.exception_trace, "Job was running when server shut down");
  }
  ASSERT_OK_AND_ASSIGN(const auto all, catalog_->ListJobs());
  ASSERT_EQ(all.size(), 3u);
  std::string again;
  for (const catalog::JobRecord& record : all) {
    if (record.job_id != "FL-aaaaaaaaaaaa" && record.job_id != "FL-bbbbbbbbbbbb") {
      again = record.job_id;
    }
  }
  const catalog::JobRecord rerun = WaitFor(*manager, again, "completed");
  EXPECT_EQ(rerun.idempotency_key, "flush-app-t");
  EXPECT_EQ(rerun.parameters, R"({"n":7})");
}

// AS9: max_concurrent jobs run at once, no more.
TEST_F(JobManagerTest, MaxConcurrentJobsRunAtOnce) {
  auto manager = Started({.max_concurrent = 3});
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ASSERT_OK_AND_ASSIGN(ids.emplace_back(),
                         manager->Create(Request({{"behavior", "sleep"}, {"ms", 60}})));
  }
  for (const std::string& id : ids)
    WaitFor(*manager, id, "completed");
  EXPECT_EQ(script_.most_running.load(), 3);
}

// Jobs run in the order they were created, even within one millisecond.
TEST_F(JobManagerTest, JobsRunInCreationOrder) {
  auto manager = Manager({.max_concurrent = 1});
  std::vector<std::string> ids;
  for (int n = 0; n < 20; ++n) {
    ASSERT_OK_AND_ASSIGN(ids.emplace_back(), manager->Create(Request({{"n", n}})));
  }
  ASSERT_OK(manager->Start());
  for (const std::string& id : ids)
    WaitFor(*manager, id, "completed");
  MutexLock lock(script_.mu);
  std::vector<int64_t> expected(20);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(script_.seen_n, expected);
}

// AS10: KILL JOB stops a running job (its executor sees the request and cleans up) and a
// waiting one at once; finished and unknown jobs are refused.
TEST_F(JobManagerTest, CancellingStopsRunningAndWaitingJobs) {
  auto manager = Started({.max_concurrent = 1});
  ASSERT_OK_AND_ASSIGN(const std::string running,
                       manager->Create(Request({{"behavior", "block"}})));
  WaitFor(*manager, running, "running");
  ASSERT_OK_AND_ASSIGN(const std::string waiting, manager->Create(Request()));
  ASSERT_OK(manager->Cancel(waiting));
  EXPECT_EQ(WaitFor(*manager, waiting, "cancelled").message, "Cancelled by KILL JOB");
  ASSERT_OK(manager->Cancel(running));
  const catalog::JobRecord cancelled = WaitFor(*manager, running, "cancelled");
  EXPECT_TRUE(script_.saw_cancel.load());
  EXPECT_TRUE(cancelled.completed_at.has_value());
  EXPECT_EQ(script_.runs.load(), 1);  // the waiting one never ran
  EXPECT_EQ(manager->Cancel(running).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->Cancel("FL-000000000000").code(), StatusCode::kNotFound);
}

// AS11–AS14, AS16: an idempotency key is held while its job is active (queued, running,
// retrying) and free again once it finished; without a key duplicates are allowed.
TEST_F(JobManagerTest, AnIdempotencyKeyIsHeldWhileItsJobIsActive) {
  auto manager = Started({.max_concurrent = 1, .retry_backoff = 200ms});
  JobRequest blocking = Request({{"behavior", "block"}});
  blocking.idempotency_key = "flush-app-t";
  ASSERT_OK_AND_ASSIGN(const std::string first, manager->Create(blocking));
  EXPECT_EQ(manager->Get(first)->idempotency_key, "flush-app-t");
  WaitFor(*manager, first, "running");
  Result<std::string> duplicate = manager->Create(blocking);
  EXPECT_EQ(duplicate.status().code(), StatusCode::kIdempotentConflict);
  EXPECT_THAT(duplicate.status().message(), HasSubstr(first));
  script_.release = true;
  WaitFor(*manager, first, "completed");
  ASSERT_OK_AND_ASSIGN(const std::string after, manager->Create(blocking));  // allowed again
  WaitFor(*manager, after, "completed");

  JobRequest retrying = Request({{"behavior", "retry"}});
  retrying.idempotency_key = "retry-key";
  ASSERT_OK_AND_ASSIGN(const std::string retried, manager->Create(retrying));
  WaitFor(*manager, retried, "retrying");
  EXPECT_EQ(manager->Create(retrying).status().code(), StatusCode::kIdempotentConflict);
  ASSERT_OK(manager->Cancel(retried));

  ASSERT_OK(manager->Create(Request()).status());
  ASSERT_OK(manager->Create(Request()).status());  // no key: no conflict
}

// AS15: a scheduled job never runs twice at once (its key is held while it is active), even
// with idle workers and an interval shorter than the job.
TEST_F(JobManagerTest, AScheduledJobNeverOverlapsItself) {
  auto manager = Manager({.max_concurrent = 4});
  manager->Schedule("every-10ms", 10ms, Request({{"behavior", "sleep"}, {"ms", 50}}));
  ASSERT_OK(manager->Start());
  ASSERT_TRUE(Eventually([&] { return script_.runs.load() >= 4; }));
  manager->Stop();
  EXPECT_EQ(script_.most_running.load(), 1);
  ASSERT_OK_AND_ASSIGN(const auto jobs, catalog_->ListJobs());
  for (const catalog::JobRecord& job : jobs)
    EXPECT_EQ(job.idempotency_key, "every-10ms");
}

// A schedule whose `due` says there is nothing to do creates no job (and leaves no record).
TEST_F(JobManagerTest, AScheduleSkipsPeriodsWithNothingToDo) {
  auto manager = Manager();
  std::atomic<int> asked{0};
  std::atomic<bool> work{false};
  manager->Schedule("when-due", 10ms, Request(), [&] {
    ++asked;
    return work.load();
  });
  ASSERT_OK(manager->Start());
  ASSERT_TRUE(Eventually([&] { return asked.load() >= 5; }));
  ASSERT_OK_AND_ASSIGN(const auto none, catalog_->ListJobs());
  EXPECT_TRUE(none.empty());
  work = true;
  ASSERT_TRUE(Eventually([&] { return script_.runs.load() >= 1; }));
}

// A shutdown stops a running job without calling it cancelled: it runs again at the next start.
TEST_F(JobManagerTest, AJobInterruptedByShutdownRunsAgainAtTheNextStart) {
  std::string id;
  {
    auto manager = Started();
    ASSERT_OK_AND_ASSIGN(id, manager->Create(Request({{"behavior", "block"}})));
    WaitFor(*manager, id, "running");
    manager->Stop();
    EXPECT_TRUE(script_.saw_cancel.load());
    EXPECT_EQ(manager->Get(id)->status, "queued");
  }
  script_.release = true;
  auto again = Started();
  EXPECT_EQ(WaitFor(*again, id, "completed").message, "released");
}

// AS31–AS33: parameters are stored as a JSON object and read by key.
TEST_F(JobManagerTest, ParametersAreAJsonObjectReadByKey) {
  auto manager = Started();
  ASSERT_OK_AND_ASSIGN(
      const std::string id,
      manager->Create(Request({{"n", 42}, {"table", "app.t"}, {"nested", {{"dry_run", true}}}})));
  const catalog::JobRecord done = WaitFor(*manager, id, "completed");
  const boost::json::value stored = boost::json::parse(done.parameters);
  ASSERT_TRUE(stored.is_object());
  EXPECT_EQ(stored.at("n").as_int64(), 42);
  EXPECT_EQ(stored.at("table").as_string(), "app.t");
  EXPECT_TRUE(stored.at("nested").at("dry_run").as_bool());
  MutexLock lock(script_.mu);
  EXPECT_THAT(script_.seen_n, ::testing::ElementsAre(42));
}

TEST_F(JobManagerTest, ATypeWithoutAnExecutorIsRefusedAndNothingIsCreated) {
  auto manager = Manager({}, {JobType::kFlush});
  ASSERT_OK(manager->Start());
  Result<std::string> refused = manager->Create(Request({}, JobType::kCompact));
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("'compact' is not available yet"));
  ASSERT_OK_AND_ASSIGN(const auto jobs, catalog_->ListJobs());
  EXPECT_TRUE(jobs.empty());
}

TEST_F(JobManagerTest, JobCleanupDeletesFinishedJobsPastTheirRetention) {
  const int64_t day = 24LL * 3600 * 1000;
  const int64_t now = clock_.NowMillis();
  const auto old_job = [&](std::string id, std::string status, int64_t finished) {
    return catalog::JobRecord{.job_id = std::move(id),
                              .job_type = "flush",
                              .status = std::move(status),
                              .parameters = "{}",
                              .created_at = finished - 1000,
                              .updated_at = finished,
                              .completed_at = finished};
  };
  ASSERT_OK(catalog_->PutJob(old_job("FL-000000000001", "completed", now - 40 * day)));
  ASSERT_OK(catalog_->PutJob(old_job("FL-000000000002", "failed", now - 31 * day)));
  ASSERT_OK(catalog_->PutJob(old_job("FL-000000000003", "completed", now - 2 * day)));
  auto manager = Manager({}, {JobType::kFlush});
  manager->Register(std::make_unique<JobCleanupExecutor>(*manager, clock_));
  ASSERT_OK(manager->Start());
  EXPECT_EQ(manager->Create(Request({}, JobType::kJobCleanup)).status().code(),
            StatusCode::kInvalidArgument);  // retention_days is required
  ASSERT_OK_AND_ASSIGN(const std::string id,
                       manager->Create(Request({{"retention_days", 30}}, JobType::kJobCleanup)));
  EXPECT_EQ(WaitFor(*manager, id, "completed").message,
            "deleted 2 finished jobs older than 30 days");
  EXPECT_EQ(manager->Get("FL-000000000001").status().code(), StatusCode::kNotFound);
  EXPECT_OK(manager->Get("FL-000000000003").status());
  ASSERT_OK_AND_ASSIGN(const auto left, catalog_->ListJobs());
  EXPECT_EQ(left.size(), 2u);  // the recent one and the cleanup itself
}

}  // namespace
}  // namespace kalam::jobs

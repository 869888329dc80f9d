#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kalam::jobs {

// The kinds of background work. Each has a two-letter id prefix (FL-1a2b3c4d5e6f).
enum class JobType : uint8_t {
  kFlush,
  kCompact,
  kCleanup,
  kJobCleanup,
  kBackup,
  kRestore,
  kRetention,
  kStreamEviction,
  kUserCleanup,
};
inline constexpr JobType kAllJobTypes[] = {
    JobType::kFlush,      JobType::kCompact,        JobType::kCleanup,
    JobType::kJobCleanup, JobType::kBackup,         JobType::kRestore,
    JobType::kRetention,  JobType::kStreamEviction, JobType::kUserCleanup};

std::string_view JobTypeName(JobType type);    // "flush", "stream_eviction", …
std::string_view JobTypePrefix(JobType type);  // "FL", "SE", …
std::optional<JobType> ParseJobType(std::string_view name);
// A new id: the type's prefix, '-', 12 random hex digits.
std::string NewJobId(JobType type);

// new → queued → running → completed | failed | cancelled; retrying between attempts.
enum class JobStatus : uint8_t {
  kNew,
  kQueued,
  kRunning,
  kRetrying,
  kCompleted,
  kFailed,
  kCancelled
};

std::string_view JobStatusName(JobStatus status);
std::optional<JobStatus> ParseJobStatus(std::string_view name);
// Not yet finished: holds its idempotency key.
bool IsActive(JobStatus status);

// What one run of a job's executor ended with.
struct JobOutcome {
  enum class Kind : uint8_t { kCompleted, kRetry, kFailed };
  Kind kind = Kind::kCompleted;
  std::string message;
  std::string trace;  // exception_trace: where and why, for failures and retries

  static JobOutcome Completed(std::string message) {
    return {Kind::kCompleted, std::move(message), ""};
  }
  // A transient failure: run again after a backoff, up to the job's max_retries.
  static JobOutcome Retry(std::string message, std::string trace = "") {
    return {Kind::kRetry, std::move(message), std::move(trace)};
  }
  static JobOutcome Failed(std::string message, std::string trace = "") {
    return {Kind::kFailed, std::move(message), std::move(trace)};
  }
};

}  // namespace kalam::jobs

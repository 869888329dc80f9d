#include "jobs/job.h"

#include <array>

#include "common/random.h"

namespace kalam::jobs {
namespace {

struct TypeInfo {
  JobType type;
  std::string_view name;
  std::string_view prefix;
};
constexpr std::array<TypeInfo, 9> kTypes{{
    {JobType::kFlush, "flush", "FL"},
    {JobType::kCompact, "compact", "CO"},
    {JobType::kCleanup, "cleanup", "CL"},
    {JobType::kJobCleanup, "job_cleanup", "JC"},
    {JobType::kBackup, "backup", "BK"},
    {JobType::kRestore, "restore", "RS"},
    {JobType::kRetention, "retention", "RT"},
    {JobType::kStreamEviction, "stream_eviction", "SE"},
    {JobType::kUserCleanup, "user_cleanup", "UC"},
}};

constexpr std::array<std::string_view, 7> kStatusNames{
    "new", "queued", "running", "retrying", "completed", "failed", "cancelled"};

}  // namespace

std::string_view JobTypeName(JobType type) {
  return kTypes[static_cast<size_t>(type)].name;
}

std::string_view JobTypePrefix(JobType type) {
  return kTypes[static_cast<size_t>(type)].prefix;
}

std::optional<JobType> ParseJobType(std::string_view name) {
  for (const TypeInfo& info : kTypes) {
    if (info.name == name) return info.type;
  }
  return std::nullopt;
}

std::string NewJobId(JobType type) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(JobTypePrefix(type));
  id += '-';
  uint64_t bits = RandomU64();
  for (int i = 0; i < 12; ++i, bits >>= 4)
    id += kHex[bits & 0xf];
  return id;
}

std::string_view JobStatusName(JobStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

std::optional<JobStatus> ParseJobStatus(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) return static_cast<JobStatus>(i);
  }
  return std::nullopt;
}

bool IsActive(JobStatus status) {
  return status == JobStatus::kNew || status == JobStatus::kQueued ||
         status == JobStatus::kRunning || status == JobStatus::kRetrying;
}

}  // namespace kalam::jobs

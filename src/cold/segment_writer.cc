#include "cold/segment_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/random.h"
#include "engine/statement_reads.h"

namespace kalam::cold {
namespace {

// Keeps the rows of an internal query.
class CollectSink final : public ResultSink {
 public:
  void BeginResult(std::span<const ResultColumn>) override {}
  void Row(std::span<const Value> values) override {
    rows.emplace_back(values.begin(), values.end());
  }
  void EndResult(uint64_t, std::string_view) override {}
  std::vector<std::vector<Value>> rows;
};

std::string Quoted(std::string_view text, char quote) {
  std::string out(1, quote);
  for (const char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

Status SyncPath(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IOError("open " + path.string() + ": " + std::strerror(errno));
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) return Status::IOError("fsync " + path.string() + ": " + std::strerror(error));
  return Status();
}

// COPY … TO `path`: the scope's versions with their field ids.
std::string CopySql(const catalog::CachedTable& table, uint64_t handle,
                    const std::filesystem::path& path) {
  std::string select;
  std::string field_ids;
  for (const catalog::ColumnDefinition& column : table.schema.columns) {
    select += Quoted(column.name, '"') + ", ";
    field_ids += Quoted(column.name, '\'') + ": " + std::to_string(column.column_id) + ", ";
  }
  select += "_seq, _deleted";
  field_ids +=
      "'_seq': " + std::to_string(kSeqFieldId) + ", '_deleted': " + std::to_string(kDeletedFieldId);
  return "COPY (SELECT " + select + " FROM kalam_scan(" + std::to_string(handle) + ")) TO " +
         Quoted(path.string(), '\'') + " (FORMAT parquet, COMPRESSION zstd, FIELD_IDS {" +
         field_ids + "})";
}

}  // namespace

Result<std::optional<SegmentFile>> WriteSegment(engine::Engine& engine,
                                                const SegmentRequest& request,
                                                const StopSignal& stop) {
  std::error_code error;
  std::filesystem::create_directories(request.directory, error);
  if (error) {
    return Status::IOError("cannot create " + request.directory.string() + ": " + error.message());
  }
  engine::StatementReads reads(request.view);
  const uint64_t handle = reads.Add({.table = request.table,
                                     .scope = request.scope,
                                     .include_deleted = true,
                                     .all_versions = true,
                                     .max_seq = request.max_seq});
  const std::filesystem::path temp =
      request.directory / ("seg-" + std::to_string(RandomU64()) + ".parquet.tmp");
  const auto remove_temp = [&] { std::filesystem::remove(temp, error); };
  CollectSink copied;
  if (Status status = engine.Query(CopySql(*request.table, handle, temp), reads, {}, stop, copied);
      !status.ok()) {
    remove_temp();
    return status;
  }
  // The _seq range from the file's own statistics (its footer; no second scan).
  CollectSink stats;
  const engine::StatementReads none;
  Status status = engine.Query(
      "SELECT min(CAST(stats_min AS BIGINT)), max(CAST(stats_max AS BIGINT)), "
      "CAST(sum(row_group_num_rows) AS BIGINT) FROM parquet_metadata(" +
          Quoted(temp.string(), '\'') + ") WHERE path_in_schema = '_seq'",
      none, {}, stop, stats);
  if (!status.ok()) {
    remove_temp();
    return status;
  }
  const std::vector<Value>& range = stats.rows.at(0);
  if (range[0].kind == Value::Kind::kNull) {  // nothing in range
    remove_temp();
    return std::optional<SegmentFile>();
  }
  SegmentFile segment{.first_seq = range[0].integer,
                      .last_seq = range[1].integer,
                      .rows = static_cast<uint64_t>(range[2].integer)};
  segment.path = request.directory / ("seg-" + std::to_string(segment.first_seq) + "-" +
                                      std::to_string(segment.last_seq) + ".parquet");
  if (status = SyncPath(temp, O_RDONLY); !status.ok()) {
    remove_temp();
    return status;
  }
  std::filesystem::rename(temp, segment.path, error);
  if (error) {
    remove_temp();
    return Status::IOError("rename to " + segment.path.string() + ": " + error.message());
  }
  if (status = SyncPath(request.directory, O_RDONLY | O_DIRECTORY); !status.ok()) {
    std::filesystem::remove(segment.path, error);  // not known durable: not a segment
    return status;
  }
  segment.bytes = std::filesystem::file_size(segment.path, error);
  return std::optional<SegmentFile>(std::move(segment));
}

}  // namespace kalam::cold

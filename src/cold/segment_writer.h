#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "catalog/schema_registry.h"
#include "common/result.h"
#include "common/stop_signal.h"
#include "engine/engine.h"
#include "tables/read_view.h"

namespace kalam::cold {

// Parquet field ids of the two system columns; table columns use their catalog column id.
inline constexpr int32_t kSeqFieldId = 2147483646;
inline constexpr int32_t kDeletedFieldId = 2147483645;

// A segment file as written: where, which _seq range, how many versions.
struct SegmentFile {
  std::filesystem::path path;
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

// What one segment holds: every stored version of one scope of one table with
// _seq <= max_seq, superseded versions and tombstones included, as read from `view`.
struct SegmentRequest {
  std::shared_ptr<const tables::ReadView> view;
  std::shared_ptr<const catalog::CachedTable> table;
  std::string scope;  // the user id (USER tables) or "" (SHARED)
  int64_t max_seq = 0;
  std::filesystem::path directory;  // the scope's directory under the storage base
};

// Writes the request's versions to `directory/seg-<first>-<last>.parquet` (zstd, each column
// under its Parquet field id, `_seq` and `_deleted` under the reserved ones) through DuckDB,
// streaming from the hot store, and makes it durable: a temporary name, fsync, rename, fsync
// of the directory. nullopt (and no file) when the scope holds no version in range. The
// directory must be inside the engine's allowed directory. DuckDB errors and I/O errors are
// returned; a failure leaves no file under the final name.
Result<std::optional<SegmentFile>> WriteSegment(engine::Engine& engine,
                                                const SegmentRequest& request,
                                                const StopSignal& stop);

}  // namespace kalam::cold

#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/value.h"

namespace kalam::live {

// The server's WebSocket messages about subscriptions, encoded as JSON text (docs/api.md,
// "Live queries"). Rows are JSON objects keyed by column name, built by the caller with
// AppendRow; _seq values are strings, like every BIGINT the API returns.

// `{"_seq":"…", <column>: <value>, …}` for the columns `projection` of `row`.
void AppendRow(std::string& out, std::span<const ResultColumn> schema,
               std::span<const size_t> projection, std::span<const Value> row, int64_t seq);

struct BatchControl {
  uint64_t batch_num = 0;  // the snapshot's batches from 0 (the ack has the first's)
  bool has_more = false;
  std::string_view status;  // loading | loading_batch | ready
  int64_t last_seq_id = 0;
  int64_t snapshot_end_seq = 0;
};

std::string SubscriptionAck(std::string_view id, std::span<const ResultColumn> schema,
                            const BatchControl& control);
// `rows` is a JSON array text.
std::string InitialDataBatch(std::string_view id, std::string_view rows,
                             const BatchControl& control);
enum class ChangeType : uint8_t { kInsert, kUpdate, kDelete };
// `rows` and `old_values` are JSON array texts ("" leaves the field out); `seq` is the
// _seq of the message's last change, the point to resume after.
std::string ChangeMessage(std::string_view id, ChangeType type, std::string_view rows,
                          std::string_view old_values, int64_t seq);
// `{"type":"error","subscription_id":…,"code":…,"message":…}`; an empty id is sent as null
// (an error about the connection, not one subscription). With `last_seq`, the point to
// resume after.
std::string ErrorMessage(std::string_view id, std::string_view code, std::string_view message,
                         int64_t last_seq = 0);

}  // namespace kalam::live

#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "common/status.h"

namespace kalam::storage {

// Converts a RocksDB status once, at the boundary, adding `context` to the message.
inline Status FromRocks(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status();
  Status converted;
  if (status.IsNotFound()) {
    converted = Status::NotFound(status.ToString());
  } else if (status.IsCorruption()) {
    converted = Status::Corruption(status.ToString());
  } else if (status.IsIOError()) {
    converted = Status::IOError(status.ToString());
  } else if (status.IsInvalidArgument()) {
    converted = Status::InvalidArgument(status.ToString());
  } else if (status.IsBusy() || status.IsTryAgain() || status.IsTimedOut()) {
    converted = Status::Unavailable(status.ToString());
  } else {
    converted = Status::Internal(status.ToString());
  }
  return converted.WithContext(context);
}

}  // namespace kalam::storage

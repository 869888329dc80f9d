#include "storage/kv_store.h"

#include "storage/key_codec.h"

namespace kalam::storage {

std::string_view PartitionName(Partition partition) {
  switch (partition) {
    case Partition::kSystem:
      return "system";
    case Partition::kUserRows:
      return "user_rows";
    case Partition::kSharedRows:
      return "shared_rows";
    case Partition::kStreamRows:
      return "stream_rows";
    case Partition::kPrimaryKey:
      return "pk_index";
  }
  return "unknown";
}

KeyRange KeyRange::Prefix(std::string_view prefix) {
  return {std::string(prefix), PrefixSuccessor(prefix)};
}

void WriteBatch::Put(Partition partition, std::string_view key, std::string_view value) {
  ops_.push_back({Op::Kind::kPut, partition, std::string(key), std::string(value)});
}

void WriteBatch::Delete(Partition partition, std::string_view key) {
  ops_.push_back({Op::Kind::kDelete, partition, std::string(key), {}});
}

void WriteBatch::DeleteRange(Partition partition, std::string_view begin, std::string_view end) {
  ops_.push_back({Op::Kind::kDeleteRange, partition, std::string(begin), std::string(end)});
}

Status KvStore::Scan(Partition partition, const KeyRange& range, const Visitor& visit,
                     const ReadOptions& options) const {
  const std::unique_ptr<KvIterator> it = NewIterator(partition, range, options);
  for (; it->Valid(); it->Next()) {
    if (!visit(it->key(), it->value())) break;
  }
  return it->status();
}

}  // namespace kalam::storage

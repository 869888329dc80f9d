#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/key_codec.h"
#include "storage/kv_store.h"
#include "storage/record_codec.h"

namespace kalam::storage {

// Typed records of one kind (namespaces, tables, users, jobs…) in the kSystem partition,
// keyed `key_part(kind) | key_part(id)` so each kind is one ordered range and ids list in
// key order. Values are EncodeRecord(record): a version, then the fields.
//
// Thread-safety: as KvStore. Read-modify-write sequences need the caller's own locking.
template <KeyPart Id, VersionedRecord Record>
class EntityStore {
 public:
  // `kind` is a short stable name stored in every key ("ns", "tbl", "user"…).
  EntityStore(KvStore& kv, std::string_view kind) : kv_(kv) { AppendKeyPart(&prefix_, kind); }

  Result<std::optional<Record>> Get(const Id& id, const Snapshot* snapshot = nullptr) const {
    KALAM_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                           kv_.Get(Partition::kSystem, KeyOf(id), snapshot));
    if (!bytes.has_value()) return std::optional<Record>();
    KALAM_ASSIGN_OR_RETURN(Record record, DecodeRecord<Record>(*bytes));
    return std::optional<Record>(std::move(record));
  }

  // Stages a put/delete in `batch`, to commit atomically with other changes.
  void Put(WriteBatch& batch, const Id& id, const Record& record) const {
    batch.Put(Partition::kSystem, KeyOf(id), EncodeRecord(record));
  }
  void Delete(WriteBatch& batch, const Id& id) const {
    batch.Delete(Partition::kSystem, KeyOf(id));
  }

  Status Put(const Id& id, const Record& record) {
    WriteBatch batch;
    Put(batch, id, record);
    return kv_.Write(batch);
  }
  Status Delete(const Id& id) {
    WriteBatch batch;
    Delete(batch, id);
    return kv_.Write(batch);
  }

  // Every record of this kind, in id key order.
  Result<std::vector<std::pair<Id, Record>>> List(const Snapshot* snapshot = nullptr) const {
    return ListRange(prefix_, snapshot);
  }

  // The records whose id starts with the key part `id_prefix` (e.g. the table id of a
  // (table id, version) id), in id key order.
  template <KeyPart Prefix>
  Result<std::vector<std::pair<Id, Record>>> ListWithIdPrefix(
      const Prefix& id_prefix, const Snapshot* snapshot = nullptr) const {
    std::string key_prefix = prefix_;
    AppendKeyPart(&key_prefix, id_prefix);
    return ListRange(key_prefix, snapshot);
  }

 private:
  Result<std::vector<std::pair<Id, Record>>> ListRange(const std::string& key_prefix,
                                                       const Snapshot* snapshot) const {
    std::vector<std::pair<Id, Record>> records;
    Status decode_error;
    const auto visit = [&](std::string_view key, std::string_view value) {
      KeyReader reader(key.substr(prefix_.size()));
      Id id{};
      if (!ReadKeyPart(reader, &id) || !reader.AtEnd()) {
        decode_error = Status::Corruption("malformed entity key");
        return false;
      }
      Result<Record> record = DecodeRecord<Record>(value);
      if (!record.ok()) {
        decode_error = record.status();
        return false;
      }
      records.emplace_back(std::move(id), std::move(record).value());
      return true;
    };
    KALAM_RETURN_IF_ERROR(
        kv_.Scan(Partition::kSystem, KeyRange::Prefix(key_prefix), visit, {.snapshot = snapshot}));
    KALAM_RETURN_IF_ERROR(decode_error);
    return records;
  }

  std::string KeyOf(const Id& id) const {
    std::string key = prefix_;
    AppendKeyPart(&key, id);
    return key;
  }

  KvStore& kv_;
  std::string prefix_;
};

}  // namespace kalam::storage

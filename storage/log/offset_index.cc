#include "storage/log/offset_index.h"

#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/util/coding.h"

namespace eventlog::storage {
namespace {

constexpr size_t kValueSize = 24;

// `key` is <prefix><batch base offset:8>; any other length is malformed (its
// last 8 bytes would decode to an entry out of key order).
std::optional<OffsetIndexEntry> Decode(absl::string_view key, size_t prefix_size,
                                       absl::string_view value) {
  if (key.size() != prefix_size + 8 || value.size() != kValueSize) return std::nullopt;
  OffsetIndexEntry e;
  e.batch_base_offset =
      static_cast<int64_t>(util::coding::GetBigEndian64(key.data() + key.size() - 8));
  e.segment_base_offset = static_cast<int64_t>(util::coding::GetFixed64(value.data()));
  e.position = static_cast<int64_t>(util::coding::GetFixed64(value.data() + 8));
  e.max_timestamp_before = static_cast<int64_t>(util::coding::GetFixed64(value.data() + 16));
  // Offsets and positions are never negative; a base offset of 2^63 or more
  // would also sort after every valid one.
  if (e.batch_base_offset < 0 || e.segment_base_offset < 0 || e.position < 0) return std::nullopt;
  return e;
}

absl::StatusOr<std::optional<OffsetIndexEntry>> Decode(
    absl::StatusOr<std::optional<leveldb_util::KeyValue>> kv, size_t prefix_size) {
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return std::nullopt;
  std::optional<OffsetIndexEntry> e = Decode((*kv)->key, prefix_size, (*kv)->value);
  if (!e.has_value()) return absl::DataLossError("malformed offset index entry");
  return e;
}

}  // namespace

OffsetIndex::OffsetIndex(leveldb::DB* db, uint64_t topic_id, int32_t partition)
    : db_(db), prefix_(layout::PartitionPrefix(layout::kOffsetIndex, topic_id, partition)) {}

std::string OffsetIndex::Key(int64_t offset) const {
  std::string key = prefix_;
  util::coding::AppendBigEndian64(&key, static_cast<uint64_t>(offset));
  return key;
}

absl::StatusOr<std::optional<OffsetIndexEntry>> OffsetIndex::Floor(int64_t offset) const {
  return Decode(leveldb_util::Floor(db_, prefix_, Key(offset)), prefix_.size());
}

absl::StatusOr<std::optional<OffsetIndexEntry>> OffsetIndex::Ceiling(int64_t offset) const {
  return Decode(leveldb_util::Ceiling(db_, prefix_, Key(offset)), prefix_.size());
}

absl::StatusOr<std::optional<OffsetIndexEntry>> OffsetIndex::Last() const {
  return Decode(leveldb_util::Floor(db_, prefix_, layout::PrefixEnd(prefix_)), prefix_.size());
}

absl::StatusOr<std::vector<OffsetIndexEntry>> OffsetIndex::Range(int64_t from, int64_t to) const {
  std::vector<OffsetIndexEntry> entries;
  bool malformed = false;
  absl::Status status = leveldb_util::ForEach(
      db_, Key(from), Key(to), [&](absl::string_view key, absl::string_view value) {
        std::optional<OffsetIndexEntry> e = Decode(key, prefix_.size(), value);
        if (!e.has_value()) {
          malformed = true;
          return false;
        }
        entries.push_back(*e);
        return true;
      });
  if (!status.ok()) return status;
  if (malformed) return absl::DataLossError("malformed offset index entry");
  return entries;
}

void OffsetIndex::Put(const OffsetIndexEntry& entry, leveldb::WriteBatch* batch) const {
  char value[kValueSize];
  util::coding::PutFixed64(value, static_cast<uint64_t>(entry.segment_base_offset));
  util::coding::PutFixed64(value + 8, static_cast<uint64_t>(entry.position));
  util::coding::PutFixed64(value + 16, static_cast<uint64_t>(entry.max_timestamp_before));
  batch->Put(Key(entry.batch_base_offset), leveldb::Slice(value, kValueSize));
}

absl::Status OffsetIndex::DeleteRange(int64_t from, int64_t to, leveldb::WriteBatch* batch) const {
  return leveldb_util::DeleteRange(db_, Key(from), Key(to), batch);
}

}  // namespace eventlog::storage

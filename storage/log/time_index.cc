#include "storage/log/time_index.h"

#include <limits>
#include <memory>

#include "absl/strings/match.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/util/coding.h"

namespace eventlog::storage {
namespace {

// `key` is <prefix><timestamp:8><offset:8>; any other length is malformed
// (its last 16 bytes would decode to an entry out of key order).
std::optional<TimeIndexEntry> Decode(absl::string_view key, size_t prefix_size) {
  if (key.size() != prefix_size + 16) return std::nullopt;
  const char* p = key.data() + key.size() - 16;
  const TimeIndexEntry e{util::coding::SignedFromOrderPreserving(util::coding::GetBigEndian64(p)),
                         static_cast<int64_t>(util::coding::GetBigEndian64(p + 8))};
  if (e.offset < 0) return std::nullopt;  // offsets are never negative
  return e;
}

}  // namespace

TimeIndex::TimeIndex(leveldb::DB* db, uint64_t topic_id, int32_t partition)
    : db_(db), prefix_(layout::PartitionPrefix(layout::kTimeIndex, topic_id, partition)) {}

std::string TimeIndex::Key(int64_t timestamp_ms, int64_t offset) const {
  std::string key = prefix_;
  util::coding::AppendBigEndian64(&key, util::coding::OrderPreservingFromSigned(timestamp_ms));
  util::coding::AppendBigEndian64(&key, static_cast<uint64_t>(offset));
  return key;
}

absl::StatusOr<std::optional<TimeIndexEntry>> TimeIndex::LastBefore(int64_t timestamp_ms) const {
  if (timestamp_ms == std::numeric_limits<int64_t>::min()) return std::nullopt;
  // Largest key <= (timestamp_ms - 1, max offset).
  absl::StatusOr<std::optional<leveldb_util::KeyValue>> kv =
      leveldb_util::Floor(db_, prefix_, Key(timestamp_ms - 1, std::numeric_limits<int64_t>::max()));
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return std::nullopt;
  std::optional<TimeIndexEntry> e = Decode((*kv)->key, prefix_.size());
  if (!e.has_value()) return absl::DataLossError("malformed time index entry");
  return e;
}

absl::StatusOr<std::vector<TimeIndexEntry>> TimeIndex::All() const {
  std::vector<TimeIndexEntry> entries;
  absl::Status status = leveldb_util::ForEach(
      db_, prefix_, layout::PrefixEnd(prefix_), [&](absl::string_view key, absl::string_view) {
        std::optional<TimeIndexEntry> e = Decode(key, prefix_.size());
        if (e.has_value()) entries.push_back(*e);
        return true;
      });
  if (!status.ok()) return status;
  return entries;
}

void TimeIndex::Put(const TimeIndexEntry& entry, leveldb::WriteBatch* batch) const {
  batch->Put(Key(entry.max_timestamp_before, entry.offset), leveldb::Slice());
}

absl::Status TimeIndex::DeleteBelow(int64_t offset, leveldb::WriteBatch* batch) const {
  return leveldb_util::ForEach(db_, prefix_, layout::PrefixEnd(prefix_),
                               [&](absl::string_view key, absl::string_view) {
                                 std::optional<TimeIndexEntry> e = Decode(key, prefix_.size());
                                 if (e.has_value() && e->offset >= offset) return false;
                                 batch->Delete(leveldb::Slice(key.data(), key.size()));
                                 return true;
                               });
}

absl::Status TimeIndex::DeleteFrom(int64_t offset, leveldb::WriteBatch* batch) const {
  // A suffix in key order: walk back from the end.
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  const std::string end = layout::PrefixEnd(prefix_);
  it->Seek(end);
  if (it->Valid()) {
    it->Prev();
  } else {
    it->SeekToLast();
  }
  for (; it->Valid(); it->Prev()) {
    absl::string_view key(it->key().data(), it->key().size());
    if (!absl::StartsWith(key, prefix_)) break;
    std::optional<TimeIndexEntry> e = Decode(key, prefix_.size());
    if (e.has_value() && e->offset < offset) break;
    batch->Delete(it->key());
  }
  return leveldb_util::ToStatus(it->status(), "time index scan");
}

}  // namespace eventlog::storage

#include "storage/leveldb_offset_store.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/util/coding.h"

namespace eventlog::storage {
namespace {

// Reads a length-prefixed field; false if malformed.
bool ReadField(absl::string_view* rest, absl::string_view* field) {
  if (rest->size() < 4) return false;
  const uint32_t n = util::coding::GetBigEndian32(rest->data());
  if (rest->size() - 4 < n) return false;
  *field = rest->substr(4, n);
  rest->remove_prefix(4 + n);
  return true;
}

struct ParsedKey {
  absl::string_view group;
  uint64_t topic_id = 0;
  int32_t partition = 0;
};

std::optional<ParsedKey> ParseKey(absl::string_view key) {
  if (key.empty() || key[0] != layout::kCommitted) return std::nullopt;
  absl::string_view rest = key.substr(1);
  ParsedKey out;
  if (!ReadField(&rest, &out.group) || rest.size() != 12) return std::nullopt;
  out.topic_id = util::coding::GetBigEndian64(rest.data());
  out.partition = static_cast<int32_t>(util::coding::GetBigEndian32(rest.data() + 8));
  return out;
}

std::optional<CommittedOffset> ParseValue(absl::string_view value) {
  if (value.size() < 8) return std::nullopt;
  return CommittedOffset{static_cast<int64_t>(util::coding::GetFixed64(value.data())),
                         std::string(value.substr(8))};
}

std::string TopicPrefix(absl::string_view group, uint64_t topic_id) {
  std::string key = layout::CommittedGroupPrefix(group);
  util::coding::AppendBigEndian64(&key, topic_id);
  return key;
}

absl::Status Closed() { return absl::UnavailableError("the storage engine is shutting down"); }

}  // namespace

absl::Status LevelDbOffsetStore::Write(absl::string_view group, uint64_t topic_id,
                                       int32_t partition, int64_t offset,
                                       absl::string_view metadata) {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::string value(8, '\0');
  util::coding::PutFixed64(value.data(), static_cast<uint64_t>(offset));
  value.append(metadata.data(), metadata.size());
  return leveldb_util::ToStatus(
      db_->Put(leveldb::WriteOptions(), layout::CommittedKey(group, topic_id, partition), value),
      "cannot store committed offset");
}

absl::Status LevelDbOffsetStore::Sync() {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  // A synced write of an empty batch syncs LevelDB's log, with every write
  // before it; concurrent callers share one fsync (LevelDB groups writers).
  leveldb::WriteBatch empty;
  leveldb::WriteOptions sync;
  sync.sync = true;
  return leveldb_util::ToStatus(db_->Write(sync, &empty), "cannot sync committed offsets");
}

absl::StatusOr<std::optional<CommittedOffset>> LevelDbOffsetStore::Get(absl::string_view group,
                                                                       uint64_t topic_id,
                                                                       int32_t partition) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), layout::CommittedKey(group, topic_id, partition), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return leveldb_util::ToStatus(s, "cannot read committed offset");
  std::optional<CommittedOffset> c = ParseValue(value);
  if (!c.has_value()) return absl::DataLossError("malformed committed offset");
  return c;
}

absl::StatusOr<std::map<int32_t, CommittedOffset>> LevelDbOffsetStore::GetAll(
    absl::string_view group, uint64_t topic_id) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::map<int32_t, CommittedOffset> out;
  const std::string prefix = TopicPrefix(group, topic_id);
  absl::Status status = leveldb_util::ForEach(
      db_, prefix, layout::PrefixEnd(prefix), [&](absl::string_view key, absl::string_view value) {
        std::optional<ParsedKey> k = ParseKey(key);
        std::optional<CommittedOffset> v = ParseValue(value);
        if (k.has_value() && v.has_value()) out[k->partition] = *std::move(v);
        return true;
      });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::map<uint64_t, std::map<int32_t, CommittedOffset>>> LevelDbOffsetStore::GetGroup(
    absl::string_view group) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::map<uint64_t, std::map<int32_t, CommittedOffset>> out;
  const std::string prefix = layout::CommittedGroupPrefix(group);
  absl::Status status = leveldb_util::ForEach(
      db_, prefix, layout::PrefixEnd(prefix), [&](absl::string_view key, absl::string_view value) {
        std::optional<ParsedKey> k = ParseKey(key);
        std::optional<CommittedOffset> v = ParseValue(value);
        if (k.has_value() && v.has_value()) out[k->topic_id][k->partition] = *std::move(v);
        return true;
      });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<std::string>> LevelDbOffsetStore::ListGroups() const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::vector<std::string> groups;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(std::string(1, layout::kCommitted));
  while (it->Valid() && it->key().size() > 0 && it->key()[0] == layout::kCommitted) {
    std::optional<ParsedKey> k = ParseKey(absl::string_view(it->key().data(), it->key().size()));
    if (!k.has_value()) {
      it->Next();
      continue;
    }
    groups.emplace_back(k->group);
    // Skip the rest of this group's keys.
    it->Seek(layout::PrefixEnd(layout::CommittedGroupPrefix(groups.back())));
  }
  absl::Status status = leveldb_util::ToStatus(it->status(), "cannot list groups");
  if (!status.ok()) return status;
  std::sort(groups.begin(), groups.end());
  return groups;
}

absl::StatusOr<int64_t> LevelDbOffsetStore::GroupEpoch(absl::string_view group) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), layout::GroupEpochKey(group), &value);
  if (s.IsNotFound()) return 0;
  if (!s.ok()) return leveldb_util::ToStatus(s, "cannot read group epoch");
  if (value.size() != 8) return absl::DataLossError("malformed group epoch");
  return static_cast<int64_t>(util::coding::GetFixed64(value.data()));
}

absl::Status LevelDbOffsetStore::SaveGroupEpoch(absl::string_view group, int64_t epoch) {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  char value[8];
  util::coding::PutFixed64(value, static_cast<uint64_t>(epoch));
  leveldb::WriteOptions sync;
  sync.sync = true;
  return leveldb_util::ToStatus(
      db_->Put(sync, layout::GroupEpochKey(group), leveldb::Slice(value, sizeof(value))),
      "cannot store group epoch");
}

absl::Status LevelDbOffsetStore::DeleteTopicsInBatch(
    const std::function<bool(uint64_t topic_id)>& keep, leveldb::WriteBatch* batch) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  const std::string space(1, layout::kCommitted);
  return leveldb_util::ForEach(db_, space, layout::PrefixEnd(space),
                               [&](absl::string_view key, absl::string_view) {
                                 std::optional<ParsedKey> k = ParseKey(key);
                                 if (!k.has_value() || !keep(k->topic_id)) {
                                   batch->Delete(leveldb::Slice(key.data(), key.size()));
                                 }
                                 return true;
                               });
}

absl::Status LevelDbOffsetStore::MigrateNameKeys(
    leveldb::DB* db, const std::function<uint64_t(absl::string_view)>& id_of,
    leveldb::WriteBatch* batch) {
  // Layout 1: c <u32 len><group> <u32 len><topic> <u32 partition>.
  const std::string space(1, layout::kLegacyCommitted);
  return leveldb_util::ForEach(
      db, space, layout::PrefixEnd(space), [&](absl::string_view key, absl::string_view value) {
        batch->Delete(leveldb::Slice(key.data(), key.size()));
        absl::string_view rest = key.substr(1);
        absl::string_view group, topic;
        if (!ReadField(&rest, &group) || !ReadField(&rest, &topic) || rest.size() != 4) {
          return true;
        }
        const uint64_t id = id_of(topic);
        if (id == 0) return true;
        const auto partition = static_cast<int32_t>(util::coding::GetBigEndian32(rest.data()));
        batch->Put(layout::CommittedKey(group, id, partition),
                   leveldb::Slice(value.data(), value.size()));
        return true;
      });
}

void LevelDbOffsetStore::Detach() {
  absl::MutexLock l(&mu_);
  db_ = nullptr;
}

}  // namespace eventlog::storage

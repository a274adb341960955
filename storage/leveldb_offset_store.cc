#include "storage/leveldb_offset_store.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"
#include "storage/index_keys.h"
#include "storage/leveldb_util.h"

namespace eventlog::storage {
namespace {

void AppendField(std::string* key, absl::string_view field) {
  util::coding::AppendBigEndian32(key, static_cast<uint32_t>(field.size()));
  key->append(field.data(), field.size());
}

std::string GroupPrefix(absl::string_view group) {
  std::string key(1, index_keys::kCommitted);
  AppendField(&key, group);
  return key;
}

std::string TopicPrefix(absl::string_view group, absl::string_view topic) {
  std::string key = GroupPrefix(group);
  AppendField(&key, topic);
  return key;
}

std::string CommitKey(absl::string_view group, absl::string_view topic, int32_t partition) {
  std::string key = TopicPrefix(group, topic);
  util::coding::AppendBigEndian32(&key, static_cast<uint32_t>(partition));
  return key;
}

// Reads a length-prefixed field at *p; false if malformed.
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
  absl::string_view topic;
  int32_t partition = 0;
};

std::optional<ParsedKey> ParseKey(absl::string_view key) {
  if (key.empty() || key[0] != index_keys::kCommitted) return std::nullopt;
  absl::string_view rest = key.substr(1);
  ParsedKey out;
  if (!ReadField(&rest, &out.group) || !ReadField(&rest, &out.topic) || rest.size() != 4) {
    return std::nullopt;
  }
  out.partition = static_cast<int32_t>(util::coding::GetBigEndian32(rest.data()));
  return out;
}

std::optional<CommittedOffset> ParseValue(absl::string_view value) {
  if (value.size() < 8) return std::nullopt;
  return CommittedOffset{static_cast<int64_t>(util::coding::GetFixed64(value.data())),
                         std::string(value.substr(8))};
}

absl::Status Closed() { return absl::UnavailableError("the storage engine is shutting down"); }

}  // namespace

absl::Status LevelDbOffsetStore::Commit(absl::string_view group, absl::string_view topic,
                                        int32_t partition, int64_t offset,
                                        absl::string_view metadata) {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::string value(8, '\0');
  util::coding::PutFixed64(value.data(), static_cast<uint64_t>(offset));
  value.append(metadata.data(), metadata.size());
  leveldb::WriteOptions sync;
  sync.sync = true;
  return leveldb_util::ToStatus(db_->Put(sync, CommitKey(group, topic, partition), value),
                                "cannot store committed offset");
}

absl::StatusOr<std::optional<CommittedOffset>> LevelDbOffsetStore::Get(absl::string_view group,
                                                                       absl::string_view topic,
                                                                       int32_t partition) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), CommitKey(group, topic, partition), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return leveldb_util::ToStatus(s, "cannot read committed offset");
  std::optional<CommittedOffset> c = ParseValue(value);
  if (!c.has_value()) return absl::DataLossError("malformed committed offset");
  return c;
}

absl::StatusOr<std::map<int32_t, CommittedOffset>> LevelDbOffsetStore::GetAll(
    absl::string_view group, absl::string_view topic) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::map<int32_t, CommittedOffset> out;
  const std::string prefix = TopicPrefix(group, topic);
  absl::Status status = leveldb_util::ForEach(db_, prefix, index_keys::PrefixEnd(prefix),
                                              [&](absl::string_view key, absl::string_view value) {
                                                std::optional<ParsedKey> k = ParseKey(key);
                                                std::optional<CommittedOffset> v =
                                                    ParseValue(value);
                                                if (k.has_value() && v.has_value())
                                                  out[k->partition] = *std::move(v);
                                                return true;
                                              });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::map<std::string, std::map<int32_t, CommittedOffset>>>
LevelDbOffsetStore::GetGroup(absl::string_view group) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  std::map<std::string, std::map<int32_t, CommittedOffset>> out;
  const std::string prefix = GroupPrefix(group);
  absl::Status status =
      leveldb_util::ForEach(db_, prefix, index_keys::PrefixEnd(prefix),
                            [&](absl::string_view key, absl::string_view value) {
                              std::optional<ParsedKey> k = ParseKey(key);
                              std::optional<CommittedOffset> v = ParseValue(value);
                              if (k.has_value() && v.has_value())
                                out[std::string(k->topic)][k->partition] = *std::move(v);
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
  const std::string space(1, index_keys::kCommitted);
  it->Seek(space);
  while (it->Valid() && it->key().size() > 0 && it->key()[0] == index_keys::kCommitted) {
    std::optional<ParsedKey> k = ParseKey(absl::string_view(it->key().data(), it->key().size()));
    if (!k.has_value()) {
      it->Next();
      continue;
    }
    groups.emplace_back(k->group);
    // Skip the rest of this group's keys.
    it->Seek(index_keys::PrefixEnd(GroupPrefix(groups.back())));
  }
  absl::Status status = leveldb_util::ToStatus(it->status(), "cannot list groups");
  if (!status.ok()) return status;
  std::sort(groups.begin(), groups.end());
  return groups;
}

absl::Status LevelDbOffsetStore::DeleteTopicLocked(absl::string_view topic,
                                                   leveldb::WriteBatch* batch) const {
  const std::string space(1, index_keys::kCommitted);
  return leveldb_util::ForEach(db_, space, index_keys::PrefixEnd(space),
                               [&](absl::string_view key, absl::string_view) {
                                 std::optional<ParsedKey> k = ParseKey(key);
                                 if (k.has_value() && k->topic == topic) {
                                   batch->Delete(leveldb::Slice(key.data(), key.size()));
                                 }
                                 return true;
                               });
}

absl::Status LevelDbOffsetStore::DeleteTopicInBatch(absl::string_view topic,
                                                    leveldb::WriteBatch* batch) const {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  return DeleteTopicLocked(topic, batch);
}

absl::Status LevelDbOffsetStore::DeleteTopic(absl::string_view topic) {
  absl::ReaderMutexLock l(&mu_);
  if (db_ == nullptr) return Closed();
  leveldb::WriteBatch batch;
  absl::Status status = DeleteTopicLocked(topic, &batch);
  if (!status.ok()) return status;
  return leveldb_util::Write(db_, &batch, /*sync=*/true, "cannot delete committed offsets");
}

void LevelDbOffsetStore::Detach() {
  absl::MutexLock l(&mu_);
  db_ = nullptr;
}

}  // namespace eventlog::storage

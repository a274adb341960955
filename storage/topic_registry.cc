#include "storage/topic_registry.h"

#include "absl/strings/str_cat.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/util/coding.h"
#include "storage/util/crc32c.h"

namespace eventlog::storage {
namespace {

// Version 1: version(1) partitions(4) retention_ms(8) retention_bytes(8)
// policy(1) max_message_bytes(4) segment_bytes(8) segment_ms(8)
// delete_retention_ms(8), then the name.
// Version 2 adds timestamp_type(1) timestamp_after_max_ms(8)
// timestamp_before_max_ms(8) before the name.
constexpr char kVersion1 = 1;
constexpr char kVersion = 2;
constexpr size_t kFixedSizeV1 = 1 + 4 + 8 + 8 + 1 + 4 + 8 + 8 + 8;
constexpr size_t kFixedSize = kFixedSizeV1 + 1 + 8 + 8;
// More partitions than any --max_partitions could sensibly allow: a record
// claiming more is damaged (opening would create that many directories).
constexpr int32_t kMaxStoredPartitions = 1 << 20;

}  // namespace

std::string TopicRegistry::Encode(const TopicRecord& r) {
  std::string out(kFixedSize, '\0');
  char* p = out.data();
  *p++ = kVersion;
  util::coding::PutFixed32(p, static_cast<uint32_t>(r.partitions));
  p += 4;
  util::coding::PutFixed64(p, static_cast<uint64_t>(r.config.retention_ms));
  p += 8;
  util::coding::PutFixed64(p, static_cast<uint64_t>(r.config.retention_bytes));
  p += 8;
  *p++ = static_cast<char>(r.config.cleanup_policy);
  util::coding::PutFixed32(p, static_cast<uint32_t>(r.config.max_message_bytes));
  p += 4;
  util::coding::PutFixed64(p, static_cast<uint64_t>(r.config.segment_bytes));
  p += 8;
  util::coding::PutFixed64(p, static_cast<uint64_t>(r.config.segment_ms));
  p += 8;
  util::coding::PutFixed64(p, static_cast<uint64_t>(r.config.delete_retention_ms));
  p += 8;
  *p++ = static_cast<char>(r.config.timestamp_type);
  util::coding::PutFixed64(p, static_cast<uint64_t>(r.config.message_timestamp_after_max_ms));
  p += 8;
  util::coding::PutFixed64(p, static_cast<uint64_t>(r.config.message_timestamp_before_max_ms));
  out += r.name;
  return out;
}

absl::StatusOr<TopicRecord> TopicRegistry::Decode(uint64_t id, absl::string_view value) {
  const bool v1 = !value.empty() && value[0] == kVersion1;
  const size_t fixed = v1 ? kFixedSizeV1 : kFixedSize;
  if (value.size() < fixed || (!v1 && value[0] != kVersion)) {
    return absl::DataLossError(absl::StrCat("malformed record of topic id ", id));
  }
  TopicRecord r;
  r.id = id;
  const char* p = value.data() + 1;
  r.partitions = static_cast<int32_t>(util::coding::GetFixed32(p));
  p += 4;
  r.config.retention_ms = static_cast<int64_t>(util::coding::GetFixed64(p));
  p += 8;
  r.config.retention_bytes = static_cast<int64_t>(util::coding::GetFixed64(p));
  p += 8;
  r.config.cleanup_policy = static_cast<CleanupPolicy>(*p++);
  r.config.max_message_bytes = static_cast<int32_t>(util::coding::GetFixed32(p));
  p += 4;
  r.config.segment_bytes = static_cast<int64_t>(util::coding::GetFixed64(p));
  p += 8;
  r.config.segment_ms = static_cast<int64_t>(util::coding::GetFixed64(p));
  p += 8;
  r.config.delete_retention_ms = static_cast<int64_t>(util::coding::GetFixed64(p));
  p += 8;
  if (!v1) {  // version 1 topics keep the defaults of the fields it lacked
    r.config.timestamp_type = static_cast<TimestampType>(*p++);
    r.config.message_timestamp_after_max_ms = static_cast<int64_t>(util::coding::GetFixed64(p));
    p += 8;
    r.config.message_timestamp_before_max_ms = static_cast<int64_t>(util::coding::GetFixed64(p));
  }
  r.name = std::string(value.substr(fixed));
  absl::Status valid = r.config.Validate();
  if (r.partitions < 1 || r.partitions > kMaxStoredPartitions) {
    valid = absl::InvalidArgumentError(absl::StrCat(r.partitions, " partitions"));
  } else if (r.name.empty()) {
    valid = absl::InvalidArgumentError("an empty name");
  }
  if (!valid.ok()) {
    return absl::DataLossError(
        absl::StrCat("malformed record of topic id ", id, ": ", valid.message()));
  }
  return r;
}

absl::StatusOr<std::vector<TopicRecord>> TopicRegistry::LoadAll() const {
  std::vector<TopicRecord> records;
  absl::Status decode_error;
  const std::string prefix(1, layout::kTopic);
  absl::Status status = leveldb_util::ForEach(
      db_, prefix, layout::PrefixEnd(prefix), [&](absl::string_view key, absl::string_view value) {
        if (key.size() != 9) return true;
        absl::StatusOr<TopicRecord> r = Decode(util::coding::GetBigEndian64(key.data() + 1), value);
        if (!r.ok()) {
          decode_error = r.status();
          return false;
        }
        records.push_back(*std::move(r));
        return true;
      });
  if (!status.ok()) return status;
  if (!decode_error.ok()) return decode_error;
  return records;
}

absl::StatusOr<uint64_t> TopicRegistry::LoadNextId() const {
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), layout::StoreMetaKey(layout::kNextTopicId), &value);
  if (s.IsNotFound()) return 1;
  if (!s.ok()) return leveldb_util::ToStatus(s, "cannot read the topic id counter");
  if (value.size() != 8) return absl::DataLossError("malformed topic id counter");
  return util::coding::GetFixed64(value.data());
}

void TopicRegistry::Put(const TopicRecord& record, uint64_t next_id,
                        leveldb::WriteBatch* batch) const {
  batch->Put(layout::TopicKey(record.id), Encode(record));
  char value[8];
  util::coding::PutFixed64(value, next_id);
  batch->Put(layout::StoreMetaKey(layout::kNextTopicId), leveldb::Slice(value, 8));
}

void TopicRegistry::Delete(uint64_t id, leveldb::WriteBatch* batch) const {
  batch->Delete(layout::TopicKey(id));
}

absl::Status TopicRegistry::WriteMetaFile(fs::FileSystem& fs, const std::string& topic_dir,
                                          const TopicRecord& record) {
  const std::string body = Encode(record);
  std::string contents(12, '\0');
  util::coding::PutFixed64(contents.data(), record.id);
  util::coding::PutFixed32(contents.data() + 8, util::crc32c::Value(body.data(), body.size()));
  contents += body;
  return fs::WriteFileAtomically(fs, layout::TopicMetaPath(topic_dir), contents);
}

absl::StatusOr<TopicRecord> TopicRegistry::ReadMetaFile(fs::FileSystem& fs,
                                                        const std::string& topic_dir, uint64_t id) {
  const std::string path = layout::TopicMetaPath(topic_dir);
  absl::StatusOr<std::string> contents = fs::ReadWholeFile(fs, path);
  if (absl::IsNotFound(contents.status())) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  if (!contents.ok()) return contents.status();
  if (contents->size() < 12 || util::coding::GetFixed64(contents->data()) != id ||
      util::coding::GetFixed32(contents->data() + 8) !=
          util::crc32c::Value(contents->data() + 12, contents->size() - 12)) {
    return absl::DataLossError(absl::StrCat("malformed ", path));
  }
  return Decode(id, absl::string_view(*contents).substr(12));
}

}  // namespace eventlog::storage

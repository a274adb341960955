#include "storage/topic_registry.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"
#include "storage/util/crc32c.h"
#include "storage/file_util.h"
#include "storage/index_keys.h"
#include "storage/leveldb_util.h"

namespace eventlog::storage {
namespace {

constexpr char kVersion = 1;
// version(1) partitions(4) retention_ms(8) retention_bytes(8) policy(1)
// max_message_bytes(4) segment_bytes(8) segment_ms(8) delete_retention_ms(8)
// then the name.
constexpr size_t kFixedSize = 1 + 4 + 8 + 8 + 1 + 4 + 8 + 8 + 8;
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
  out += r.name;
  return out;
}

absl::StatusOr<TopicRecord> TopicRegistry::Decode(uint64_t id, absl::string_view value) {
  if (value.size() < kFixedSize || value[0] != kVersion) {
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
  r.name = std::string(value.substr(kFixedSize));
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
  const std::string prefix(1, index_keys::kTopic);
  absl::Status status = leveldb_util::ForEach(db_, prefix, index_keys::PrefixEnd(prefix),
                                              [&](absl::string_view key, absl::string_view value) {
                                                if (key.size() != 9) return true;
                                                absl::StatusOr<TopicRecord> r = Decode(
                                                    util::coding::GetBigEndian64(key.data() + 1), value);
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
      db_->Get(leveldb::ReadOptions(), index_keys::StoreMetaKey(index_keys::kNextTopicId), &value);
  if (s.IsNotFound()) return 1;
  if (!s.ok()) return leveldb_util::ToStatus(s, "cannot read the topic id counter");
  if (value.size() != 8) return absl::DataLossError("malformed topic id counter");
  return util::coding::GetFixed64(value.data());
}

void TopicRegistry::Put(const TopicRecord& record, uint64_t next_id,
                        leveldb::WriteBatch* batch) const {
  batch->Put(index_keys::TopicKey(record.id), Encode(record));
  char value[8];
  util::coding::PutFixed64(value, next_id);
  batch->Put(index_keys::StoreMetaKey(index_keys::kNextTopicId), leveldb::Slice(value, 8));
}

void TopicRegistry::Delete(uint64_t id, leveldb::WriteBatch* batch) const {
  batch->Delete(index_keys::TopicKey(id));
}

absl::Status TopicRegistry::WriteMetaFile(const std::string& topic_dir, const TopicRecord& record) {
  const std::string body = Encode(record);
  std::string contents(12, '\0');
  util::coding::PutFixed64(contents.data(), record.id);
  util::coding::PutFixed32(contents.data() + 8, util::crc32c::Value(body.data(), body.size()));
  contents += body;
  const std::string path = absl::StrCat(topic_dir, "/topic.meta");
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return file_util::ErrnoStatus(errno, absl::StrCat("cannot create ", temp));
  const bool written =
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
      ::fdatasync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) return file_util::ErrnoStatus(err, absl::StrCat("cannot write ", temp));
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return file_util::ErrnoStatus(errno, absl::StrCat("cannot rename ", temp));
  }
  return file_util::SyncDir(topic_dir);
}

absl::StatusOr<TopicRecord> TopicRegistry::ReadMetaFile(const std::string& topic_dir, uint64_t id) {
  const std::string path = absl::StrCat(topic_dir, "/topic.meta");
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string contents = buffer.str();
  if (contents.size() < 12 || util::coding::GetFixed64(contents.data()) != id ||
      util::coding::GetFixed32(contents.data() + 8) !=
          util::crc32c::Value(contents.data() + 12, contents.size() - 12)) {
    return absl::DataLossError(absl::StrCat("malformed ", path));
  }
  return Decode(id, absl::string_view(contents).substr(12));
}

}  // namespace eventlog::storage

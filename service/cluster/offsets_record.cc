#include "service/cluster/offsets_record.h"

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"

namespace eventlog::cluster {
namespace {

constexpr uint8_t kVersion = 0;

absl::Status Malformed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("unreadable record in the offsets topic: ", what));
}

}  // namespace

std::string OffsetsRecord::EncodeKey() const {
  std::string key;
  key.push_back(static_cast<char>(kVersion));
  key.push_back(static_cast<char>(type));
  key.push_back(static_cast<char>(group.size() >> 8));
  key.push_back(static_cast<char>(group.size() & 0xff));
  key.append(group);
  if (type == Type::kCommit) {
    util::coding::AppendBigEndian64(&key, topic_id);
    util::coding::AppendBigEndian32(&key, static_cast<uint32_t>(partition));
  }
  return key;
}

std::string OffsetsRecord::EncodeValue() const {
  if (tombstone) return "";
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  util::coding::AppendBigEndian64(&out, static_cast<uint64_t>(value));
  if (type == Type::kCommit) {
    util::coding::AppendBigEndian32(&out, static_cast<uint32_t>(metadata.size()));
    out.append(metadata);
  }
  return out;
}

absl::StatusOr<OffsetsRecord> OffsetsRecord::Decode(absl::string_view key,
                                                    absl::string_view value) {
  OffsetsRecord record;
  if (key.size() < 4 || static_cast<uint8_t>(key[0]) != kVersion) return Malformed("key header");
  const auto type = static_cast<uint8_t>(key[1]);
  if (type != static_cast<uint8_t>(Type::kCommit) &&
      type != static_cast<uint8_t>(Type::kGroupEpoch)) {
    return Malformed(absl::StrCat("record type ", type));
  }
  record.type = static_cast<Type>(type);
  const size_t group_length = (static_cast<uint8_t>(key[2]) << 8) | static_cast<uint8_t>(key[3]);
  const size_t tail = record.type == Type::kCommit ? 12 : 0;
  if (key.size() != 4 + group_length + tail) return Malformed("key length");
  record.group = std::string(key.substr(4, group_length));
  if (record.type == Type::kCommit) {
    const char* p = key.data() + 4 + group_length;
    record.topic_id = util::coding::GetBigEndian64(p);
    record.partition = static_cast<int32_t>(util::coding::GetBigEndian32(p + 8));
  }
  if (value.empty()) {
    record.tombstone = true;
    return record;
  }
  if (value.size() < 9 || static_cast<uint8_t>(value[0]) != kVersion) {
    return Malformed("value header");
  }
  record.value = static_cast<int64_t>(util::coding::GetBigEndian64(value.data() + 1));
  if (record.type == Type::kCommit) {
    if (value.size() < 13) return Malformed("commit value length");
    const uint32_t metadata_length = util::coding::GetBigEndian32(value.data() + 9);
    if (value.size() != 13 + static_cast<size_t>(metadata_length)) {
      return Malformed("commit metadata length");
    }
    record.metadata = std::string(value.substr(13));
  } else if (value.size() != 9) {
    return Malformed("epoch value length");
  }
  return record;
}

}  // namespace eventlog::cluster

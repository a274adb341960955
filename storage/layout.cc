#include "storage/layout.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/util/coding.h"

namespace eventlog::storage::layout {
namespace {

constexpr size_t kDigits = 20;

std::string WithSuffix(const std::string& partition_dir, int64_t base, absl::string_view suffix) {
  return absl::StrFormat("%s/%020d%s", partition_dir, base, suffix);
}

}  // namespace

std::string IndexDir(const std::string& data_dir) { return data_dir + "/index"; }
std::string TopicsDir(const std::string& data_dir) { return data_dir + "/topics"; }
std::string TopicDir(const std::string& data_dir, uint64_t topic_id) {
  return absl::StrCat(TopicsDir(data_dir), "/", topic_id);
}
std::string PartitionDir(const std::string& topic_dir, int32_t partition) {
  return absl::StrCat(topic_dir, "/", partition);
}
std::string TopicMetaPath(const std::string& topic_dir) {
  return absl::StrCat(topic_dir, "/", kTopicMetaFile);
}
std::string LeaderEpochsPath(const std::string& partition_dir) {
  return absl::StrCat(partition_dir, "/", kLeaderEpochsFile);
}

std::string SegmentFileName(int64_t base_offset) {
  return absl::StrFormat("%020d%s", base_offset, kSegmentSuffix);
}
std::string SegmentPath(const std::string& partition_dir, int64_t base_offset) {
  return WithSuffix(partition_dir, base_offset, kSegmentSuffix);
}
std::string CleanedPath(const std::string& partition_dir, int64_t base_offset) {
  return WithSuffix(partition_dir, base_offset, kCleanedSuffix);
}
std::string SwapPath(const std::string& partition_dir, int64_t base_offset) {
  return WithSuffix(partition_dir, base_offset, kSwapSuffix);
}

PartitionFile ParsePartitionFileName(absl::string_view name, int64_t* base_offset) {
  if (name.size() <= kDigits) return PartitionFile::kOther;
  const absl::string_view digits = name.substr(0, kDigits);
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return PartitionFile::kOther;
  }
  if (!absl::SimpleAtoi(digits, base_offset) || *base_offset < 0) return PartitionFile::kOther;
  const absl::string_view suffix = name.substr(kDigits);
  if (suffix == kSegmentSuffix) return PartitionFile::kSegment;
  if (suffix == kCleanedSuffix) return PartitionFile::kCleaned;
  if (suffix == kSwapSuffix) return PartitionFile::kSwap;
  return PartitionFile::kOther;
}

std::string TopicPrefix(char space, uint64_t topic_id) {
  std::string key(1, space);
  util::coding::AppendBigEndian64(&key, topic_id);
  return key;
}

std::string PartitionPrefix(char space, uint64_t topic_id, int32_t partition) {
  std::string key = TopicPrefix(space, topic_id);
  util::coding::AppendBigEndian32(&key, static_cast<uint32_t>(partition));
  return key;
}

std::string PartitionKey(char space, uint64_t topic_id, int32_t partition, uint64_t value) {
  std::string key = PartitionPrefix(space, topic_id, partition);
  util::coding::AppendBigEndian64(&key, value);
  return key;
}

std::string StoreMetaKey(absl::string_view name) {
  std::string key(1, kStoreMeta);
  key.append(name.data(), name.size());
  return key;
}

std::string TopicKey(uint64_t topic_id) {
  std::string key(1, kTopic);
  util::coding::AppendBigEndian64(&key, topic_id);
  return key;
}

std::string GroupEpochKey(absl::string_view group) {
  std::string key(1, kGroupEpoch);
  key.append(group.data(), group.size());
  return key;
}

std::string CommittedGroupPrefix(absl::string_view group) {
  std::string key(1, kCommitted);
  util::coding::AppendBigEndian32(&key, static_cast<uint32_t>(group.size()));
  key.append(group.data(), group.size());
  return key;
}

std::string CommittedKey(absl::string_view group, uint64_t topic_id, int32_t partition) {
  std::string key = CommittedGroupPrefix(group);
  util::coding::AppendBigEndian64(&key, topic_id);
  util::coding::AppendBigEndian32(&key, static_cast<uint32_t>(partition));
  return key;
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace eventlog::storage::layout

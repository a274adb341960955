#include "storage/index_keys.h"

#include "storage/util/coding.h"

namespace eventlog::storage::index_keys {

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
  return end;  // all 0xff: no end; callers treat "" as unbounded
}

}  // namespace eventlog::storage::index_keys

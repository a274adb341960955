#include "service/broker/partitioner.h"

#include "service/broker/murmur2.h"

namespace eventlog::broker {

int32_t Partitioner::ForKey(absl::string_view key, int32_t partitions) {
  return PartitionForKey(key, partitions);
}

int32_t Partitioner::NextKeyless(absl::string_view topic, int32_t partitions) {
  absl::MutexLock lock(&mu_);
  uint32_t& next = next_[topic];
  const uint32_t chosen = next % static_cast<uint32_t>(partitions);
  next = chosen + 1;
  return static_cast<int32_t>(chosen);
}

void Partitioner::Forget(absl::string_view topic) {
  absl::MutexLock lock(&mu_);
  next_.erase(topic);
}

}  // namespace eventlog::broker

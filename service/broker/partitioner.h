// Partitioner: picks the partition of records whose produce request names
// none. Keyed records follow Kafka's default partitioner (murmur2); the
// keyless records of one request all go to one partition, chosen round-robin
// per request and per topic.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::broker {

class Partitioner {
 public:
  // Partition of a record with a non-empty key. Precondition: partitions > 0.
  static int32_t ForKey(absl::string_view key, int32_t partitions);

  // The next partition of `topic` in round-robin order, for the keyless
  // records of one request. Precondition: partitions > 0.
  int32_t NextKeyless(absl::string_view topic, int32_t partitions);

  // Drops the round-robin position of a deleted topic.
  void Forget(absl::string_view topic);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> next_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::broker

// Kafka's default partitioner hash (murmur2 with Kafka's seed), so keyed
// records land on the partition a Kafka Java client (and eventlogd) would
// pick. Stateless functions; thread-safe.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace eventlog::client {

// org.apache.kafka.common.utils.Utils.murmur2(bytes), as a signed int.
int32_t Murmur2(absl::string_view data);

// (murmur2(key) & 0x7fffffff) % partitions. Requires partitions > 0.
int32_t PartitionForKey(absl::string_view key, int32_t partitions);

}  // namespace eventlog::client

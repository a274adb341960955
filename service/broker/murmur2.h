// Kafka's murmur2 hash (the default partitioner's), so that keyed records land
// in the partition a Kafka Java client would choose.
//
// Thread-safe (pure functions).
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace eventlog::broker {

// Kafka's Utils.murmur2(byte[]): MurmurHash2, 32 bit, seed 0x9747b28c, bytes
// taken as unsigned, little-endian 4-byte blocks. Returns the signed value
// Java returns (e.g. murmur2("21") == -973932308).
int32_t Murmur2(absl::string_view data);

// (murmur2(key) & 0x7fffffff) % partitions, as Kafka's
// BuiltInPartitioner.partitionForKey. Precondition: partitions > 0.
int32_t PartitionForKey(absl::string_view key, int32_t partitions);

}  // namespace eventlog::broker

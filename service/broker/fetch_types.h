// Domain structs of Fetch and ListOffsets, independent of gRPC and protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "service/broker/start_position.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

struct FetchRequest {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t max_records = 0;  // 0 = BrokerOptions default
  int32_t max_bytes = 0;    // 0 = BrokerOptions default
  int32_t max_wait_ms = 0;  // 0 = no long poll
};

struct FetchResult {
  storage::ReadResult read;
  // How long the caller may long-poll: 0 when records were found (or no wait
  // was asked for), else the request's max_wait_ms capped by the broker.
  int32_t wait_ms = 0;
  // Where to park (DataWaiter::Target::offset) when waiting.
  int64_t wait_offset = 0;
};

// A read of whole stored batches (for a front door that passes them on as
// they are: Kafka's Fetch).
struct BatchFetchRequest {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t max_bytes = 1 << 20;  // at least one batch is returned regardless
};

struct BatchFetchResult {
  storage::BatchReadResult read;
};

// Where a reader waits: data past `offset` in a partition.
struct DataPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

struct ListOffsetsRequest {
  std::string topic;
  std::vector<int32_t> partitions;  // empty = all
  // kEarliest, kLatest or kTimestamp.
  StartPosition position;
};

struct PartitionOffset {
  int32_t partition = 0;
  int64_t offset = 0;
};

}  // namespace eventlog::broker

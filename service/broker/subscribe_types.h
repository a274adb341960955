// Domain structs of Subscribe, independent of gRPC and protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/partition_log.h"

namespace eventlog::broker {

enum class StartFrom { kUnspecified, kEarliest, kLatest, kOffset, kTimestamp, kCommitted };

struct SubscribeRequest {
  std::string topic;
  std::vector<int32_t> partitions;  // explicit mode; empty = all
  std::string group;                // group mode when set
  StartFrom start_from = StartFrom::kUnspecified;
  int64_t start_offset = 0;
  int64_t start_timestamp_ms = 0;
  StartFrom reset_to = StartFrom::kUnspecified;
  int32_t max_batch_records = 0;  // 0 = BrokerOptions default
};

// Consecutive records of one partition, ready to push.
struct SubscriptionBatch {
  int32_t partition = 0;
  storage::ReadResult read;  // records, backing, high_watermark
};

}  // namespace eventlog::broker

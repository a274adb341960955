// Domain structs of topic administration (CreateTopic, DescribeTopic,
// ListTopics), independent of gRPC and protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/log_config.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

// A topic config as requested: 0 (or kUnspecified) = the server default;
// -1 = unlimited for retention_ms / retention_bytes.
struct TopicConfigRequest {
  enum class Cleanup { kUnspecified, kDelete, kCompact };

  int64_t retention_ms = 0;
  int64_t retention_bytes = 0;
  Cleanup cleanup_policy = Cleanup::kUnspecified;
  int32_t max_message_bytes = 0;
  int64_t segment_bytes = 0;
  int64_t segment_ms = 0;
  int64_t delete_retention_ms = 0;
  enum class Timestamps { kUnspecified, kCreateTime, kLogAppendTime };
  Timestamps timestamp_type = Timestamps::kUnspecified;
  // 0 = the server default; -1 = unbounded.
  int64_t message_timestamp_after_max_ms = 0;
  int64_t message_timestamp_before_max_ms = 0;
};

struct CreateTopicRequest {
  std::string name;
  int32_t partitions = 0;  // 0 = server default
  TopicConfigRequest config;
};

struct PartitionInfo {
  int32_t partition = 0;
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;  // the durable end: what readers see
  int64_t log_end_offset = 0;  // what is written
  int64_t size_bytes = 0;
  storage::CleanupStats cleanup;  // since the broker started
};

// A topic's effective config and per-partition state.
struct TopicInfo {
  std::string name;
  storage::LogConfig config;
  std::vector<PartitionInfo> partitions;
};

struct TopicSummary {
  std::string name;
  int32_t partitions = 0;
};

}  // namespace eventlog::broker

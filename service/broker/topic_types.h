// Domain structs of topic administration (CreateTopic, DescribeTopic,
// ListTopics), independent of gRPC and protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/log_config.h"
#include "storage/store.h"

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
};

struct CreateTopicRequest {
  std::string name;
  int32_t partitions = 0;  // 0 = server default
  TopicConfigRequest config;
};

// A topic's effective config and per-partition state.
struct TopicInfo {
  std::string name;
  storage::LogConfig config;
  std::vector<storage::PartitionStats> partitions;
};

struct TopicSummary {
  std::string name;
  int32_t partitions = 0;
};

}  // namespace eventlog::broker

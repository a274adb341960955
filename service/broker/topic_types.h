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
  // Replicated partitions: 0 = the server default (--min_insync_replicas).
  int32_t min_insync_replicas = 0;
  bool unclean_leader_election_enable = false;
};

// A topic's replication settings, effective values (docs/CLUSTER.md,
// "Replication"). The cluster metadata keeps them with the topic; storage
// does not know them.
struct ReplicaConfig {
  // ACKS_ALL needs this many in-sync replicas (Kafka's min.insync.replicas).
  int32_t min_insync_replicas = 1;
  // With no live in-sync replica, a live out-of-sync one may lead.
  bool unclean_leader_election_enable = false;
};

struct CreateTopicRequest {
  std::string name;
  int32_t partitions = 0;  // 0 = server default
  TopicConfigRequest config;
  int32_t replication_factor = 0;  // 0 = server default
};

struct PartitionInfo {
  int32_t partition = 0;
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;  // the durable end: what readers see
  int64_t log_end_offset = 0;  // what is written
  int64_t size_bytes = 0;
  storage::CleanupStats cleanup;  // since the broker started
  // The broker that leads it (-1: none now) and its leader epoch. In a
  // cluster, the offsets, size and cleanup above are this broker's: 0 for a
  // partition led elsewhere (the gRPC layer asks the leader).
  int32_t leader = 0;
  int32_t leader_epoch = 0;
  // The brokers holding a copy and those in sync (this broker alone on a
  // single broker; the gRPC layer fills them in from the cluster metadata).
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

// A topic's effective config and per-partition state.
struct TopicInfo {
  std::string name;
  storage::LogConfig config;
  ReplicaConfig replica_config;  // a single broker's defaults; a cluster's from its metadata
  std::vector<PartitionInfo> partitions;
};

// What CreateTopic would create: the name, the partition count and the
// effective config (server defaults filled in).
struct ResolvedTopic {
  std::string name;
  int32_t partitions = 0;
  storage::LogConfig config;
  int32_t replication_factor = 1;
  ReplicaConfig replica_config;
};

struct TopicSummary {
  std::string name;
  int32_t partitions = 0;
};

}  // namespace eventlog::broker

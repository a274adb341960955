// Domain structs of Subscribe, independent of gRPC and protobuf.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/broker/partition_feed.h"
#include "service/broker/shared_batch.h"

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
  // Who subscribes (e.g. the peer address), shown in group member ids.
  std::string client;
  // Cluster: sent by another broker for partitions it reads through this
  // one. Only partitions led here are served (others: UNAVAILABLE naming
  // the leader), and in explicit mode kOffset with a reset_to means
  // "start_offset if it lies in the log, else reset_to" (how a group's
  // committed offset is resolved at a partition's leader).
  bool forwarded = false;
};

// A group member's partitions from now on.
struct AssignmentEvent {
  std::string member_id;
  int64_t generation = 0;
  std::vector<int32_t> partitions;  // sorted
};

// One message of a subscription: records of one partition, or (group mode)
// a new assignment, which precedes every record of its new partitions.
struct SubscriptionEvent {
  std::shared_ptr<const SharedBatch> batch;   // set for records read here
  std::optional<RemoteBatch> remote;          // set for records read elsewhere
  std::optional<AssignmentEvent> assignment;  // set for an assignment
};

}  // namespace eventlog::broker

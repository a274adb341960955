// Domain structs of Subscribe, independent of gRPC and protobuf.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/broker/shared_batch.h"
#include "service/broker/start_position.h"

namespace eventlog::broker {

struct SubscribeRequest {
  std::string topic;
  std::vector<int32_t> partitions;  // explicit mode; empty = all
  std::string group;                // group mode when set
  // Unset: the group's committed offset in group mode, else the latest.
  // kCommitted is for group mode only.
  std::optional<StartPosition> start;
  // Group mode, a partition with no committed offset: kEarliest or kLatest.
  StartPosition::Kind reset_to = StartPosition::Kind::kLatest;
  int32_t max_batch_records = 0;  // 0 = BrokerOptions default
  // Who subscribes (e.g. the peer address), shown in group member ids.
  std::string client;
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
  std::shared_ptr<const SharedBatch> batch;   // set for records
  std::optional<AssignmentEvent> assignment;  // set for an assignment
};

}  // namespace eventlog::broker

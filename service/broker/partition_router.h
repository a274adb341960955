// PartitionRouter: the broker core's question to the cluster, "who serves
// this partition now?" (docs/CLUSTER.md). The core asks it before touching a
// local log: a broker keeps a log for every partition of every topic, but
// reads and appends only those it leads. Without a router (a single broker)
// every partition is local.
//
// It is also the seam for the other front ends: the Kafka listener asks it
// whether to serve a partition or answer NOT_LEADER_OR_FOLLOWER /
// LEADER_NOT_AVAILABLE (docs/CLUSTER.md, "The seam for the Kafka listener").
//
// Implementations are thread-safe and cheap: Route runs on every produce,
// fetch and subscription.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"
#include "service/broker/partition_route.h"

namespace eventlog::broker {

class PartitionRouter {
 public:
  virtual ~PartitionRouter() = default;

  // kLocal for topics the cluster does not know (the local lookup then
  // reports NOT_FOUND) and for partitions out of range (INVALID_ARGUMENT /
  // NOT_FOUND from the local lookup).
  virtual PartitionRoute Route(absl::string_view topic, int32_t partition) const = 0;
};

}  // namespace eventlog::broker

// KafkaClusterView: what the Kafka front door tells clients about where
// things are, so that Kafka clients route by themselves (they do not want
// forwarding): every broker's Kafka address, each partition's leader, each
// group's coordinator. A request for a partition led elsewhere is answered
// NOT_LEADER_OR_FOLLOWER, a group call at the wrong broker NOT_COORDINATOR;
// the client then refreshes its metadata.
//
// On a single broker (SingleBrokerView) everything is here. A cluster
// implements it from its metadata (each broker's registration carries its
// Kafka address).
//
// Implementations are thread-safe and cheap (asked on every request).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "service/broker/topic_types.h"

namespace eventlog::kafka {

struct KafkaBrokerEndpoint {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};

class KafkaClusterView {
 public:
  static constexpr int32_t kNoLeader = -1;

  virtual ~KafkaClusterView() = default;

  // This broker's node id.
  virtual int32_t node_id() const = 0;
  virtual std::string cluster_id() const = 0;
  // Every live broker with a Kafka listener, by node id.
  virtual std::vector<KafkaBrokerEndpoint> Brokers() const = 0;
  // The controller's node id, if any (clients only display it).
  virtual int32_t controller_id() const = 0;
  // The node leading the partition, or kNoLeader. Topics the cluster does
  // not know (and partitions out of range) are answered as led here: the
  // broker core then reports them unknown.
  virtual int32_t Leader(absl::string_view topic, int32_t partition) const = 0;
  // The node coordinating the group, or kNoLeader if none can now.
  virtual int32_t Coordinator(absl::string_view group) const = 0;

  // The nodes holding a copy of a partition led by `leader`, those in sync,
  // and those of them not running now (Metadata's replica, ISR and offline
  // lists). A single broker, or a partition the cluster does not know: the
  // leader alone.
  struct Replicas {
    std::vector<int32_t> replicas;
    std::vector<int32_t> in_sync;
    std::vector<int32_t> offline;
  };
  virtual Replicas ReplicasOf(absl::string_view /*topic*/, int32_t /*partition*/,
                              int32_t leader) const {
    return {{leader}, {leader}, {}};
  }

  // Topic administration where it is not the broker core's alone (a
  // cluster's controller creates and deletes topics; the handler sends
  // those requests here only at the controller, controller_id()). nullopt:
  // the broker core does it (a single broker). May block a few seconds.
  virtual std::optional<absl::Status> CreateTopic(
      const broker::CreateTopicRequest& /*request*/) const {
    return std::nullopt;
  }
  virtual std::optional<absl::Status> DeleteTopic(absl::string_view /*name*/) const {
    return std::nullopt;
  }
};

}  // namespace eventlog::kafka

// ClusterKafkaView: the KafkaClusterView of a broker in a cluster
// (docs/CLUSTER.md, "What Kafka clients see"), read from the ClusterNode's
// metadata on every call, so Kafka clients route by themselves as they do
// against a Kafka cluster:
// - the brokers are the live brokers that registered a Kafka address (node
//   id = broker id); a broker without a Kafka listener is left out;
// - a partition's leader is its leader in the metadata when that broker has
//   a Kafka address, else kNoLeader (Metadata then says
//   LEADER_NOT_AVAILABLE); a partition led elsewhere is refused with
//   NOT_LEADER_OR_FOLLOWER by the handler;
// - a group's coordinator is the leader of its partition of
//   __consumer_offsets, which is created (through the controller) the
//   first time a Kafka client looks for a coordinator;
// - CreateTopics and DeleteTopics are served by the controller (the
//   handler answers NOT_CONTROLLER elsewhere), as the gRPC admin calls.
//
// Thread-safe: reads immutable metadata snapshots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/broker/broker.h"
#include "service/broker/partition_route.h"
#include "service/cluster/cluster_node.h"
#include "service/kafka/handler/kafka_cluster_view.h"
#include "service/server/cluster_calls.h"

namespace eventlog::service {

class ClusterKafkaView final : public kafka::KafkaClusterView {
 public:
  // `broker`, `node` and `calls` must outlive the view.
  ClusterKafkaView(const broker::Broker* broker, cluster::ClusterNode* node,
                   const ClusterCalls* calls)
      : broker_(broker), node_(node), calls_(calls) {}

  int32_t node_id() const override { return node_->broker_id(); }
  std::string cluster_id() const override;
  std::vector<kafka::KafkaBrokerEndpoint> Brokers() const override;
  int32_t controller_id() const override;
  int32_t Leader(absl::string_view topic, int32_t partition) const override;
  // May block (up to a few seconds, once per cluster) while the offsets
  // topic is created.
  int32_t Coordinator(absl::string_view group) const override;
  Replicas ReplicasOf(absl::string_view topic, int32_t partition, int32_t leader) const override;
  // At the controller: through etcd, answering once this broker's metadata
  // (and store) show the change.
  std::optional<absl::Status> CreateTopic(const broker::CreateTopicRequest& request) const override;
  std::optional<absl::Status> DeleteTopic(absl::string_view name) const override;

 private:
  // The node id Kafka clients are told for `route`: kNoLeader when nobody
  // leads or the leader has no Kafka listener.
  int32_t KafkaNodeOf(const broker::PartitionRoute& route) const;

  const broker::Broker* const broker_;
  cluster::ClusterNode* const node_;
  const ClusterCalls* const calls_;
};

}  // namespace eventlog::service

// SingleBrokerView: the KafkaClusterView of a broker that is not part of a
// cluster: one node (the broker id), at the listener's advertised address,
// leading every partition and coordinating every group.
//
// Thread-safe: immutable after construction except the port, which is set
// once the listener is bound (before it serves).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "service/kafka/handler/kafka_cluster_view.h"

namespace eventlog::kafka {

class SingleBrokerView final : public KafkaClusterView {
 public:
  SingleBrokerView(int32_t node_id, std::string host, int32_t port)
      : node_id_(node_id), host_(std::move(host)), port_(port) {}

  void set_port(int32_t port) { port_.store(port); }

  int32_t node_id() const override { return node_id_; }
  std::string cluster_id() const override { return "eventlog"; }
  std::vector<KafkaBrokerEndpoint> Brokers() const override {
    return {KafkaBrokerEndpoint{node_id_, host_, port_.load()}};
  }
  int32_t controller_id() const override { return node_id_; }
  int32_t Leader(absl::string_view, int32_t) const override { return node_id_; }
  int32_t Coordinator(absl::string_view) const override { return node_id_; }

 private:
  const int32_t node_id_;
  const std::string host_;
  std::atomic<int32_t> port_;
};

}  // namespace eventlog::kafka

#include "service/server/cluster_kafka_view.h"

#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "service/broker/validation.h"
#include "storage/util/status_macros.h"

namespace eventlog::service {
namespace {

// How long topic administration waits for this broker's metadata to show
// the change (as the gRPC admin calls do).
constexpr absl::Duration kAdminMetadataWait = absl::Seconds(10);

// "HOST:PORT" or "[V6]:PORT"; nullopt if malformed (a registration written
// by hand or by a broken broker is left out rather than advertised).
std::optional<kafka::KafkaBrokerEndpoint> ParseEndpoint(int32_t id, const std::string& address) {
  const size_t colon = address.rfind(':');
  kafka::KafkaBrokerEndpoint endpoint;
  endpoint.node_id = id;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &endpoint.port) || endpoint.port <= 0 ||
      endpoint.port > 65535) {
    return std::nullopt;
  }
  endpoint.host = address.substr(0, colon);
  if (endpoint.host.size() > 2 && endpoint.host.front() == '[' && endpoint.host.back() == ']') {
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  }
  return endpoint;
}

}  // namespace

std::string ClusterKafkaView::cluster_id() const {
  std::shared_ptr<const cluster::ClusterState> state = node_->metadata();
  if (!state->info().has_value() || state->info()->cluster_id().empty()) return "eventlog";
  return state->info()->cluster_id();
}

std::vector<kafka::KafkaBrokerEndpoint> ClusterKafkaView::Brokers() const {
  std::vector<kafka::KafkaBrokerEndpoint> result;
  std::shared_ptr<const cluster::ClusterState> state = node_->metadata();
  for (const auto& [id, broker] : state->brokers()) {
    if (std::optional<kafka::KafkaBrokerEndpoint> endpoint =
            ParseEndpoint(id, broker.kafka_address)) {
      result.push_back(*std::move(endpoint));
    }
  }
  return result;
}

int32_t ClusterKafkaView::controller_id() const {
  std::shared_ptr<const cluster::ClusterState> state = node_->metadata();
  if (!state->controller().has_value()) return kNoLeader;
  const cluster::BrokerEntry* broker = state->FindBroker(*state->controller());
  // Kafka clients send CreateTopics and DeleteTopics to the controller:
  // only one they can reach is worth naming.
  if (broker == nullptr || broker->kafka_address.empty()) return kNoLeader;
  return broker->id;
}

int32_t ClusterKafkaView::KafkaNodeOf(const broker::PartitionRoute& route) const {
  switch (route.kind) {
    case broker::PartitionRoute::Kind::kLocal:
      return node_->broker_id();
    case broker::PartitionRoute::Kind::kUnavailable:
      return kNoLeader;
    case broker::PartitionRoute::Kind::kRemote:
      break;
  }
  const cluster::BrokerEntry* leader = node_->metadata()->FindBroker(route.leader);
  if (leader == nullptr || leader->kafka_address.empty()) return kNoLeader;
  return route.leader;
}

int32_t ClusterKafkaView::Leader(absl::string_view topic, int32_t partition) const {
  return KafkaNodeOf(node_->Route(topic, partition));
}

int32_t ClusterKafkaView::Coordinator(absl::string_view group) const {
  // Without the offsets topic every broker would route the group's
  // partition as "local" (a topic the cluster does not know): create it
  // first, as the gRPC group calls do.
  if (node_->metadata()->FindTopic(cluster::kOffsetsTopic) == nullptr &&
      !calls_->EnsureOffsetsTopic().ok()) {
    return kNoLeader;
  }
  return KafkaNodeOf(node_->CoordinatorRoute(group));
}

kafka::KafkaClusterView::Replicas ClusterKafkaView::ReplicasOf(absl::string_view topic,
                                                               int32_t partition,
                                                               int32_t leader) const {
  std::shared_ptr<const cluster::ClusterState> state = node_->metadata();
  const cluster::PartitionEntry* entry = state->FindPartition(topic, partition);
  if (entry == nullptr || entry->replicas.empty()) return {{leader}, {leader}, {}};
  Replicas result{entry->replicas, entry->isr, {}};
  if (result.in_sync.empty()) result.in_sync = {leader};
  for (int32_t replica : entry->replicas) {
    if (state->FindBroker(replica) == nullptr) result.offline.push_back(replica);
  }
  return result;
}

std::optional<absl::Status> ClusterKafkaView::CreateTopic(
    const broker::CreateTopicRequest& request) const {
  return [&]() -> absl::Status {
    ASSIGN_OR_RETURN(broker::ResolvedTopic resolved, broker_->ResolveNewTopic(request));
    ASSIGN_OR_RETURN(int64_t revision, node_->CreateTopic(resolved));
    return node_->WaitForRevision(revision, kAdminMetadataWait);
  }();
}

std::optional<absl::Status> ClusterKafkaView::DeleteTopic(absl::string_view name) const {
  return [&]() -> absl::Status {
    RETURN_IF_ERROR(broker::ValidateTopicName(name));
    ASSIGN_OR_RETURN(int64_t revision, node_->DeleteTopic(name));
    return node_->WaitForRevision(revision, kAdminMetadataWait);
  }();
}

}  // namespace eventlog::service

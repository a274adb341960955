#include "service/kafka/handler/metadata_api.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/kafka/handler/kafka_error_mapping.h"

namespace eventlog::kafka {
namespace {

using security::Operation;
using security::ResourceType;

bool MayUse(const KafkaHandlerEnv& env, const std::string& principal, const std::string& topic) {
  for (Operation operation : {Operation::kRead, Operation::kWrite, Operation::kAdmin}) {
    if (env.access->Allows(principal, operation, ResourceType::kTopic, topic)) return true;
  }
  return false;
}

void FillPartitions(const KafkaHandlerEnv& env, const std::string& name, int32_t count,
                    MetadataResponse::Topic* topic) {
  for (int32_t p = 0; p < count; ++p) {
    MetadataResponse::Partition& partition = topic->partitions.emplace_back();
    partition.partition_index = p;
    partition.leader_id = env.view->Leader(name, p);
    if (partition.leader_id == KafkaClusterView::kNoLeader) {
      partition.error_code = Wire(ErrorCode::kLeaderNotAvailable);
      continue;
    }
    KafkaClusterView::Replicas replicas = env.view->ReplicasOf(name, p, partition.leader_id);
    partition.replica_nodes = std::move(replicas.replicas);
    partition.isr_nodes = std::move(replicas.in_sync);
    partition.offline_replicas = std::move(replicas.offline);
  }
}

}  // namespace

MetadataResponse HandleMetadata(const KafkaHandlerEnv& env, const std::string& principal,
                                const MetadataRequest& request) {
  MetadataResponse response;
  for (const KafkaBrokerEndpoint& broker : env.view->Brokers()) {
    response.brokers.push_back({broker.node_id, broker.host, broker.port, std::nullopt});
  }
  response.cluster_id = env.view->cluster_id();
  response.controller_id = env.view->controller_id();
  absl::StatusOr<std::vector<broker::TopicSummary>> topics = env.broker->ListTopics();
  std::map<std::string, int32_t> known;
  if (topics.ok()) {
    for (const broker::TopicSummary& topic : *topics) known[topic.name] = topic.partitions;
  }
  if (!request.topics.has_value()) {
    for (const auto& [name, partitions] : known) {
      if (!MayUse(env, principal, name)) continue;
      MetadataResponse::Topic& topic = response.topics.emplace_back();
      topic.name = name;
      FillPartitions(env, name, partitions, &topic);
    }
    return response;
  }
  for (const std::string& name : *request.topics) {
    MetadataResponse::Topic& topic = response.topics.emplace_back();
    topic.name = name;
    if (!topics.ok()) {
      topic.error_code = KafkaErrorOf(topics.status(), CallKind::kRead);
    } else if (!MayUse(env, principal, name)) {
      topic.error_code = Wire(ErrorCode::kTopicAuthorizationFailed);
    } else if (auto it = known.find(name); it == known.end()) {
      topic.error_code = Wire(ErrorCode::kUnknownTopicOrPartition);
    } else {
      FillPartitions(env, name, it->second, &topic);
    }
  }
  return response;
}

FindCoordinatorResponse HandleFindCoordinator(const KafkaHandlerEnv& env,
                                              const std::string& principal,
                                              const FindCoordinatorRequest& request) {
  FindCoordinatorResponse response;
  auto fail = [&](ErrorCode code, std::string message) {
    response.error_code = Wire(code);
    response.error_message = std::move(message);
    return response;
  };
  if (request.key_type != 0) {
    return fail(ErrorCode::kCoordinatorNotAvailable,
                "transactions are not supported: there is no transaction coordinator");
  }
  if (!env.access->Allows(principal, security::Operation::kRead, ResourceType::kGroup,
                          request.key)) {
    return fail(ErrorCode::kGroupAuthorizationFailed,
                absl::StrCat("principal ", principal, " may not read group ", request.key));
  }
  const int32_t node = env.view->Coordinator(request.key);
  for (const KafkaBrokerEndpoint& broker : env.view->Brokers()) {
    if (broker.node_id != node) continue;
    response.node_id = broker.node_id;
    response.host = broker.host;
    response.port = broker.port;
    return response;
  }
  return fail(ErrorCode::kCoordinatorNotAvailable,
              absl::StrCat("group ", request.key, " has no coordinator now"));
}

}  // namespace eventlog::kafka

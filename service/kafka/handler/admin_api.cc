#include "service/kafka/handler/admin_api.h"

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/kafka/handler/kafka_error_mapping.h"

namespace eventlog::kafka {
namespace {

using security::Operation;
using security::ResourceType;

// Applies one Kafka topic config to `config`; INVALID_ARGUMENT naming it if
// unknown or malformed.
absl::Status ApplyConfig(const CreateTopicsRequest::Config& entry,
                         broker::TopicConfigRequest* config) {
  const std::string value = entry.value.value_or("");
  auto number = [&](auto* out) -> absl::Status {
    if (!absl::SimpleAtoi(value, out)) {
      return absl::InvalidArgumentError(
          absl::StrCat("config ", entry.name, "=", value, " is not a number"));
    }
    return absl::OkStatus();
  };
  if (!entry.value.has_value()) return absl::OkStatus();  // null: the default
  if (entry.name == "retention.ms") return number(&config->retention_ms);
  if (entry.name == "retention.bytes") return number(&config->retention_bytes);
  if (entry.name == "max.message.bytes") return number(&config->max_message_bytes);
  if (entry.name == "segment.bytes") return number(&config->segment_bytes);
  if (entry.name == "segment.ms") return number(&config->segment_ms);
  if (entry.name == "delete.retention.ms") return number(&config->delete_retention_ms);
  if (entry.name == "min.insync.replicas") return number(&config->min_insync_replicas);
  if (entry.name == "unclean.leader.election.enable") {
    if (value != "true" && value != "false") {
      return absl::InvalidArgumentError(
          absl::StrCat("config unclean.leader.election.enable=", value, ": use true or false"));
    }
    config->unclean_leader_election_enable = value == "true";
    return absl::OkStatus();
  }
  if (entry.name == "cleanup.policy") {
    if (value == "delete") {
      config->cleanup_policy = broker::TopicConfigRequest::Cleanup::kDelete;
    } else if (value == "compact") {
      config->cleanup_policy = broker::TopicConfigRequest::Cleanup::kCompact;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("config cleanup.policy=", value, ": use delete or compact"));
    }
    return absl::OkStatus();
  }
  if (entry.name == "message.timestamp.type") {
    if (value == "CreateTime") {
      config->timestamp_type = broker::TopicConfigRequest::Timestamps::kCreateTime;
    } else if (value == "LogAppendTime") {
      config->timestamp_type = broker::TopicConfigRequest::Timestamps::kLogAppendTime;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "config message.timestamp.type=", value, ": use CreateTime or LogAppendTime"));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("config ", entry.name, " is not supported (docs/KAFKA.md lists those that are)"));
}

// In a cluster, topics are created and deleted by the controller; Kafka
// clients send those requests there (Metadata's controller_id) and retry
// after NOT_CONTROLLER.
bool AtController(const KafkaHandlerEnv& env) {
  return env.view->controller_id() == env.view->node_id();
}

CreateTopicsResponse::Result CreateOne(const KafkaHandlerEnv& env, const std::string& principal,
                                       const CreateTopicsRequest::Topic& topic,
                                       bool validate_only) {
  CreateTopicsResponse::Result result;
  result.name = topic.name;
  auto fail = [&](ErrorCode code, absl::string_view message) {
    result.error_code = Wire(code);
    result.error_message = std::string(message);
    return result;
  };
  if (absl::Status allowed =
          env.access->Check(principal, Operation::kAdmin, ResourceType::kTopic, topic.name);
      !allowed.ok()) {
    return fail(ErrorCode::kTopicAuthorizationFailed, allowed.message());
  }
  if (!AtController(env)) {
    return fail(ErrorCode::kNotController, "topics are created by the cluster's controller");
  }
  if (!topic.assignments.empty()) {
    return fail(ErrorCode::kInvalidReplicaAssignment,
                "replica assignments are not supported: leave them to the broker");
  }
  const int32_t brokers = static_cast<int32_t>(env.view->Brokers().size());
  if (topic.replication_factor > std::max(brokers, 1)) {
    return fail(ErrorCode::kInvalidReplicationFactor,
                absl::StrCat("replication factor ", topic.replication_factor, " exceeds the ",
                             brokers, " broker(s) available"));
  }
  broker::CreateTopicRequest create;
  create.name = topic.name;
  create.partitions = topic.num_partitions < 0 ? 0 : topic.num_partitions;
  // -1 (Kafka's "the broker's default") and 0 both take --default_replication_factor.
  create.replication_factor = std::max<int32_t>(0, topic.replication_factor);
  if (topic.num_partitions == 0) {
    return fail(ErrorCode::kInvalidPartitions, "a topic has at least one partition");
  }
  for (const CreateTopicsRequest::Config& config : topic.configs) {
    if (absl::Status applied = ApplyConfig(config, &create.config); !applied.ok()) {
      return fail(ErrorCode::kInvalidConfig, applied.message());
    }
  }
  if (validate_only) {
    absl::StatusOr<broker::TopicInfo> existing = env.broker->DescribeTopic(topic.name);
    if (existing.ok()) return fail(ErrorCode::kTopicAlreadyExists, "the topic exists");
    if (!absl::IsNotFound(existing.status())) {
      return fail(ToKafkaError(existing.status(), CallKind::kAdmin), existing.status().message());
    }
    return result;
  }
  if (std::optional<absl::Status> created = env.view->CreateTopic(create)) {
    if (!created->ok()) return fail(ToKafkaError(*created, CallKind::kAdmin), created->message());
    return result;
  }
  absl::StatusOr<broker::TopicInfo> created = env.broker->CreateTopic(create);
  if (!created.ok()) {
    return fail(ToKafkaError(created.status(), CallKind::kAdmin), created.status().message());
  }
  return result;
}

}  // namespace

CreateTopicsResponse HandleCreateTopics(const KafkaHandlerEnv& env, const std::string& principal,
                                        const CreateTopicsRequest& request) {
  CreateTopicsResponse response;
  for (const CreateTopicsRequest::Topic& topic : request.topics) {
    response.topics.push_back(CreateOne(env, principal, topic, request.validate_only));
  }
  return response;
}

DeleteTopicsResponse HandleDeleteTopics(const KafkaHandlerEnv& env, const std::string& principal,
                                        const DeleteTopicsRequest& request) {
  DeleteTopicsResponse response;
  for (const std::string& name : request.topic_names) {
    DeleteTopicsResponse::Result& result = response.responses.emplace_back();
    result.name = name;
    absl::Status status = env.access->Check(principal, Operation::kAdmin, ResourceType::kTopic, name);
    if (!status.ok()) {
      result.error_code = Wire(ErrorCode::kTopicAuthorizationFailed);
      continue;
    }
    if (!AtController(env)) {
      result.error_code = Wire(ErrorCode::kNotController);
      continue;
    }
    std::optional<absl::Status> deleted = env.view->DeleteTopic(name);
    result.error_code = KafkaErrorOf(deleted.has_value() ? *deleted : env.broker->DeleteTopic(name),
                                     CallKind::kAdmin);
  }
  return response;
}

}  // namespace eventlog::kafka

#include "service/kafka/handler/offsets_api.h"

#include <map>

#include "service/kafka/handler/kafka_error_mapping.h"

namespace eventlog::kafka {
namespace {

using security::Operation;
using security::ResourceType;

ErrorCode CheckGroup(const KafkaHandlerEnv& env, const std::string& principal,
                     const std::string& group) {
  if (!env.access->Allows(principal, Operation::kRead, ResourceType::kGroup, group)) {
    return ErrorCode::kGroupAuthorizationFailed;
  }
  if (env.view->Coordinator(group) != env.view->node_id()) return ErrorCode::kNotCoordinator;
  return ErrorCode::kNone;
}

}  // namespace

OffsetCommitResponse HandleOffsetCommit(const KafkaHandlerEnv& env, const std::string& principal,
                                        const OffsetCommitRequest& request) {
  OffsetCommitResponse response;
  const ErrorCode group_error = CheckGroup(env, principal, request.group_id);
  for (const OffsetCommitRequest::Topic& topic : request.topics) {
    OffsetCommitResponse::Topic& out = response.topics.emplace_back();
    out.name = topic.name;
    ErrorCode error = group_error;
    if (error == ErrorCode::kNone &&
        !env.access->Allows(principal, Operation::kRead, ResourceType::kTopic, topic.name)) {
      error = ErrorCode::kTopicAuthorizationFailed;
    }
    if (error == ErrorCode::kNone && !topic.partitions.empty()) {
      broker::CommitOffsetsRequest commit;
      commit.group = request.group_id;
      commit.topic = topic.name;
      commit.generation = request.generation_id < 0 ? 0 : request.generation_id;
      commit.member_id = request.member_id;
      for (const OffsetCommitRequest::Partition& partition : topic.partitions) {
        commit.offsets.push_back({partition.partition_index, partition.committed_offset,
                                  partition.committed_metadata.value_or("")});
      }
      error = ToKafkaError(env.broker->CommitOffsets(commit), CallKind::kCommit);
    }
    for (const OffsetCommitRequest::Partition& partition : topic.partitions) {
      out.partitions.push_back({partition.partition_index, Wire(error)});
    }
  }
  return response;
}

OffsetFetchResponse HandleOffsetFetch(const KafkaHandlerEnv& env, const std::string& principal,
                                      const OffsetFetchRequest& request) {
  OffsetFetchResponse response;
  if (ErrorCode code = CheckGroup(env, principal, request.group_id); code != ErrorCode::kNone) {
    response.error_code = Wire(code);
    return response;
  }
  if (!request.topics.has_value()) {
    // Every committed partition of the group (the topics the caller may read).
    absl::StatusOr<broker::GroupDescription> group = env.broker->DescribeGroup(request.group_id);
    if (!group.ok()) return response;  // unknown group: nothing committed
    std::map<std::string, OffsetFetchResponse::Topic> topics;
    for (const broker::PartitionLag& lag : group->lags) {
      if (lag.committed_offset < 0 ||
          !env.access->Allows(principal, Operation::kRead, ResourceType::kTopic, lag.topic)) {
        continue;
      }
      OffsetFetchResponse::Topic& topic = topics[lag.topic];
      topic.name = lag.topic;
      OffsetFetchResponse::Partition& partition = topic.partitions.emplace_back();
      partition.partition_index = lag.partition;
      partition.committed_offset = lag.committed_offset;
      partition.metadata = "";
    }
    for (auto& [name, topic] : topics) response.topics.push_back(std::move(topic));
    return response;
  }
  for (const OffsetFetchRequest::Topic& topic : *request.topics) {
    OffsetFetchResponse::Topic& out = response.topics.emplace_back();
    out.name = topic.name;
    ErrorCode error = ErrorCode::kNone;
    std::map<int32_t, broker::PartitionCommit> committed;
    if (!env.access->Allows(principal, Operation::kRead, ResourceType::kTopic, topic.name)) {
      error = ErrorCode::kTopicAuthorizationFailed;
    } else {
      absl::StatusOr<std::vector<broker::PartitionCommit>> commits =
          env.broker->FetchCommittedOffsets(
              broker::FetchCommittedRequest{request.group_id, topic.name, {}});
      if (commits.ok()) {
        for (broker::PartitionCommit& commit : *commits) committed[commit.partition] = commit;
      } else {
        error = ToKafkaError(commits.status(), CallKind::kCommit);
        // The coordinator cannot answer for the group (its offsets are not
        // loaded yet, or it moved): Kafka says so at the top level (v2+),
        // which clients retry after finding the coordinator again; a
        // per-partition code fails those partitions' assignment instead.
        if (error == ErrorCode::kCoordinatorNotAvailable ||
            error == ErrorCode::kCoordinatorLoadInProgress || error == ErrorCode::kNotCoordinator) {
          response.error_code = Wire(error);
        }
      }
    }
    for (int32_t index : topic.partition_indexes) {
      OffsetFetchResponse::Partition& partition = out.partitions.emplace_back();
      partition.partition_index = index;
      partition.error_code = Wire(error);
      partition.metadata = "";
      auto it = committed.find(index);
      if (error == ErrorCode::kNone && it != committed.end()) {
        partition.committed_offset = it->second.offset;
        partition.metadata = it->second.metadata;
      }
    }
  }
  return response;
}

}  // namespace eventlog::kafka

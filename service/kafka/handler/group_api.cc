#include "service/kafka/handler/group_api.h"

#include <utility>

#include "service/kafka/handler/kafka_error_mapping.h"
#include "service/kafka/protocol/consumer_protocol.h"

namespace eventlog::kafka {
namespace {

// OK if `principal` may use the group here; the Kafka error otherwise.
ErrorCode CheckGroup(const KafkaHandlerEnv& env, const std::string& principal,
                     const std::string& group) {
  if (!env.access->Allows(principal, security::Operation::kRead, security::ResourceType::kGroup,
                          group)) {
    return ErrorCode::kGroupAuthorizationFailed;
  }
  if (env.view->Coordinator(group) != env.view->node_id()) return ErrorCode::kNotCoordinator;
  return ErrorCode::kNone;
}

}  // namespace

void HandleJoinGroup(const KafkaHandlerEnv& env, const KafkaConnectionContext& context,
                     const std::string& principal, JoinGroupRequest request,
                     KafkaResponseCallback done) {
  JoinGroupResponse refused;
  refused.member_id = request.member_id;
  if (ErrorCode code = CheckGroup(env, principal, request.group_id); code != ErrorCode::kNone) {
    refused.error_code = Wire(code);
    return std::move(done)(std::move(refused));
  }
  broker::ClassicJoinRequest join;
  join.group = request.group_id;
  join.member_id = request.member_id;
  join.group_instance_id = request.group_instance_id;
  join.client_id = context.client_id.value_or("");
  join.client_host = context.peer_address;
  join.session_timeout_ms = request.session_timeout_ms;
  join.rebalance_timeout_ms = request.rebalance_timeout_ms;
  join.protocol_type = request.protocol_type;
  for (JoinGroupRequest::Protocol& protocol : request.protocols) {
    join.protocols.emplace_back(protocol.name, std::move(protocol.metadata));
  }
  if (request.protocol_type == kConsumerProtocolType && !join.protocols.empty()) {
    absl::StatusOr<std::vector<std::string>> topics =
        DecodeConsumerSubscription(join.protocols.front().second);
    if (topics.ok()) join.topics = *std::move(topics);
  }
  env.broker->kafka_groups().Join(
      std::move(join), [done = std::move(done), member_id = request.member_id](
                           absl::StatusOr<broker::ClassicJoinResult> result) mutable {
        JoinGroupResponse response;
        if (!result.ok()) {
          response.error_code = KafkaErrorOf(result.status(), CallKind::kGroup);
          response.member_id = member_id;
          return std::move(done)(std::move(response));
        }
        response.generation_id = static_cast<int32_t>(result->generation);
        response.protocol_name = result->protocol_name;
        response.leader = result->leader;
        response.member_id = result->member_id;
        for (broker::ClassicMemberMetadata& member : result->members) {
          response.members.push_back(
              {member.member_id, member.group_instance_id, std::move(member.metadata)});
        }
        std::move(done)(std::move(response));
      });
}

void HandleSyncGroup(const KafkaHandlerEnv& env, const std::string& principal,
                     SyncGroupRequest request, KafkaResponseCallback done) {
  if (ErrorCode code = CheckGroup(env, principal, request.group_id); code != ErrorCode::kNone) {
    SyncGroupResponse refused;
    refused.error_code = Wire(code);
    return std::move(done)(std::move(refused));
  }
  broker::ClassicSyncRequest sync;
  sync.group = request.group_id;
  sync.generation = request.generation_id;
  sync.member_id = request.member_id;
  for (SyncGroupRequest::Assignment& assignment : request.assignments) {
    broker::ClassicAssignment& out = sync.assignments.emplace_back();
    out.member_id = std::move(assignment.member_id);
    absl::StatusOr<std::vector<ConsumerTopicPartitions>> partitions =
        DecodeConsumerAssignment(assignment.assignment);
    if (partitions.ok()) {
      for (ConsumerTopicPartitions& topic : *partitions) {
        out.partitions.push_back({std::move(topic.topic), std::move(topic.partitions)});
      }
    }
    out.assignment = std::move(assignment.assignment);
  }
  env.broker->kafka_groups().Sync(
      std::move(sync), [done = std::move(done)](absl::StatusOr<std::string> assignment) mutable {
        SyncGroupResponse response;
        if (assignment.ok()) {
          response.assignment = *std::move(assignment);
        } else {
          response.error_code = KafkaErrorOf(assignment.status(), CallKind::kGroup);
        }
        std::move(done)(std::move(response));
      });
}

HeartbeatResponse HandleHeartbeat(const KafkaHandlerEnv& env, const std::string& principal,
                                  const HeartbeatRequest& request) {
  HeartbeatResponse response;
  if (ErrorCode code = CheckGroup(env, principal, request.group_id); code != ErrorCode::kNone) {
    response.error_code = Wire(code);
    return response;
  }
  response.error_code =
      KafkaErrorOf(env.broker->kafka_groups().Heartbeat(request.group_id, request.member_id,
                                                        request.generation_id),
                   CallKind::kGroup);
  return response;
}

LeaveGroupResponse HandleLeaveGroup(const KafkaHandlerEnv& env, const std::string& principal,
                                    const LeaveGroupRequest& request, int16_t version) {
  LeaveGroupResponse response;
  if (ErrorCode code = CheckGroup(env, principal, request.group_id); code != ErrorCode::kNone) {
    response.error_code = Wire(code);
    return response;
  }
  broker::ClassicGroupCoordinator& groups = env.broker->kafka_groups();
  if (version < 3) {
    response.error_code =
        KafkaErrorOf(groups.Leave(request.group_id, request.member_id), CallKind::kGroup);
    return response;
  }
  for (const LeaveGroupRequest::Member& member : request.members) {
    response.members.push_back(
        {member.member_id, member.group_instance_id,
         KafkaErrorOf(groups.Leave(request.group_id, member.member_id), CallKind::kGroup)});
  }
  return response;
}

}  // namespace eventlog::kafka

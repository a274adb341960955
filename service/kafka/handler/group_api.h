// Kafka's classic group protocol on the broker core's
// ClassicGroupCoordinator: JoinGroup, SyncGroup, Heartbeat, LeaveGroup.
// Every call needs the `read` ACL on the group (as gRPC group calls) and
// this broker to coordinate the group (else NOT_COORDINATOR). For the
// "consumer" protocol type the subscription and assignment bytes are read
// (consumer_protocol.h) so that the broker can show who owns what; other
// protocol types pass through untouched.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>

#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/kafka_request_handler.h"
#include "service/kafka/protocol/heartbeat.h"
#include "service/kafka/protocol/join_group.h"
#include "service/kafka/protocol/leave_group.h"
#include "service/kafka/protocol/sync_group.h"

namespace eventlog::kafka {

// `done` runs once the group answers (after the join phase).
void HandleJoinGroup(const KafkaHandlerEnv& env, const KafkaConnectionContext& context,
                     const std::string& principal, JoinGroupRequest request,
                     KafkaResponseCallback done);

// `done` runs once the leader's assignment is known.
void HandleSyncGroup(const KafkaHandlerEnv& env, const std::string& principal,
                     SyncGroupRequest request, KafkaResponseCallback done);

HeartbeatResponse HandleHeartbeat(const KafkaHandlerEnv& env, const std::string& principal,
                                  const HeartbeatRequest& request);

LeaveGroupResponse HandleLeaveGroup(const KafkaHandlerEnv& env, const std::string& principal,
                                    const LeaveGroupRequest& request, int16_t version);

}  // namespace eventlog::kafka

// Kafka's DescribeGroups and ListGroups over every group the broker knows,
// whichever protocol serves it:
// - a Kafka group: its state, protocol and members as Kafka shows them;
// - an eventlog group (gRPC Subscribe members): "Stable", protocol type
//   "eventlog", each member with its partitions as a "consumer" protocol
//   assignment, so Kafka tools can show them;
// - a group with only committed offsets: "Empty", protocol type "consumer";
// - anything else: "Dead" (Kafka's answer for an unknown group).
// The `read` ACL on the group is needed; ListGroups lists only those.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>

#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/protocol/describe_groups.h"
#include "service/kafka/protocol/list_groups.h"

namespace eventlog::kafka {

DescribeGroupsResponse HandleDescribeGroups(const KafkaHandlerEnv& env,
                                            const std::string& principal,
                                            const DescribeGroupsRequest& request);

ListGroupsResponse HandleListGroups(const KafkaHandlerEnv& env, const std::string& principal,
                                    const ListGroupsRequest& request);

}  // namespace eventlog::kafka

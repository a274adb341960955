#include "service/kafka/handler/group_admin_api.h"

#include <algorithm>
#include <map>

#include "service/kafka/handler/kafka_error_mapping.h"
#include "service/kafka/protocol/consumer_protocol.h"

namespace eventlog::kafka {
namespace {

using security::Operation;
using security::ResourceType;

constexpr char kEventlogProtocolType[] = "eventlog";

DescribeGroupsResponse::Group Describe(const KafkaHandlerEnv& env, const std::string& group) {
  DescribeGroupsResponse::Group out;
  out.group_id = group;
  if (std::optional<broker::ClassicGroupInfo> kafka = env.broker->kafka_groups().Describe(group)) {
    out.group_state = kafka->state;
    out.protocol_type = kafka->protocol_type;
    out.protocol_data = kafka->protocol_name;
    for (broker::ClassicMemberInfo& member : kafka->members) {
      out.members.push_back({member.member_id, member.group_instance_id, member.client_id,
                             member.client_host, std::move(member.metadata),
                             std::move(member.assignment)});
    }
    return out;
  }
  absl::StatusOr<broker::GroupDescription> described = env.broker->DescribeGroup(group);
  if (!described.ok()) {
    out.group_state = "Dead";
    if (!absl::IsNotFound(described.status())) {
      out.error_code = KafkaErrorOf(described.status(), CallKind::kGroup);
    }
    return out;
  }
  if (described->members.empty()) {
    out.group_state = "Empty";
    out.protocol_type = kConsumerProtocolType;
    return out;
  }
  out.group_state = "Stable";
  out.protocol_type = kEventlogProtocolType;
  out.protocol_data = "sticky";
  for (const broker::GroupMemberInfo& member : described->members) {
    DescribeGroupsResponse::Member& m = out.members.emplace_back();
    m.member_id = member.member_id;
    m.client_id = "eventlog";
    m.member_metadata = EncodeConsumerSubscription({member.topic});
    m.member_assignment = EncodeConsumerAssignment({{member.topic, member.partitions}});
  }
  return out;
}

}  // namespace

DescribeGroupsResponse HandleDescribeGroups(const KafkaHandlerEnv& env,
                                            const std::string& principal,
                                            const DescribeGroupsRequest& request) {
  DescribeGroupsResponse response;
  for (const std::string& group : request.groups) {
    if (!env.access->Allows(principal, Operation::kRead, ResourceType::kGroup, group)) {
      DescribeGroupsResponse::Group& denied = response.groups.emplace_back();
      denied.group_id = group;
      denied.error_code = Wire(ErrorCode::kGroupAuthorizationFailed);
      continue;
    }
    if (env.view->Coordinator(group) != env.view->node_id()) {
      DescribeGroupsResponse::Group& elsewhere = response.groups.emplace_back();
      elsewhere.group_id = group;
      elsewhere.error_code = Wire(ErrorCode::kNotCoordinator);
      continue;
    }
    response.groups.push_back(Describe(env, group));
  }
  return response;
}

ListGroupsResponse HandleListGroups(const KafkaHandlerEnv& env, const std::string& principal,
                                    const ListGroupsRequest& request) {
  ListGroupsResponse response;
  absl::StatusOr<std::vector<std::string>> groups = env.broker->ListGroups();
  if (!groups.ok()) {
    response.error_code = KafkaErrorOf(groups.status(), CallKind::kGroup);
    return response;
  }
  std::map<std::string, broker::ClassicGroupInfo> kafka;
  for (broker::ClassicGroupInfo& group : env.broker->kafka_groups().List()) {
    kafka[group.group] = std::move(group);
  }
  for (const std::string& name : *groups) {
    if (!env.access->Allows(principal, Operation::kRead, ResourceType::kGroup, name)) continue;
    if (env.view->Coordinator(name) != env.view->node_id()) continue;
    ListGroupsResponse::Group group;
    group.group_id = name;
    if (auto it = kafka.find(name); it != kafka.end()) {
      group.protocol_type = it->second.protocol_type;
      group.group_state = it->second.state;
    } else if (env.broker->coordinator().HasMembers(name)) {
      group.protocol_type = kEventlogProtocolType;
      group.group_state = "Stable";
    } else {
      group.protocol_type = kConsumerProtocolType;
      group.group_state = "Empty";
    }
    const std::vector<std::string>& filter = request.states_filter;
    if (!filter.empty() &&
        std::find(filter.begin(), filter.end(), group.group_state) == filter.end()) {
      continue;
    }
    response.groups.push_back(std::move(group));
  }
  return response;
}

}  // namespace eventlog::kafka

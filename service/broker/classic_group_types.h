// Domain structs of Kafka's classic consumer-group protocol (JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup), served by ClassicGroupCoordinator.
// Independent of the wire: the Kafka front door decodes requests (and the
// "consumer" protocol's subscription and assignment bytes) into these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"

namespace eventlog::broker {

// Partitions of one topic.
struct TopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const TopicPartitions&) const = default;
};

struct ClassicJoinRequest {
  std::string group;
  std::string member_id;  // empty: a new member (the coordinator names it)
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;  // "consumer" for consumers
  // (assignor name, its metadata), the member's preference order.
  std::vector<std::pair<std::string, std::string>> protocols;
  // The topics the member subscribes to (from the "consumer" protocol's
  // metadata; empty if the front door could not tell).
  std::vector<std::string> topics;
};

struct ClassicMemberMetadata {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;  // of the chosen protocol
};

struct ClassicJoinResult {
  int64_t generation = 0;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<ClassicMemberMetadata> members;  // the leader's answer only
};

struct ClassicAssignment {
  std::string member_id;
  std::string assignment;                   // the bytes for the member
  std::vector<TopicPartitions> partitions;  // what they assign (for DescribeGroup)
};

struct ClassicSyncRequest {
  std::string group;
  int64_t generation = 0;
  std::string member_id;
  std::vector<ClassicAssignment> assignments;  // from the leader only
};

// A member as DescribeGroups shows it.
struct ClassicMemberInfo {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;    // of the chosen protocol
  std::string assignment;  // bytes
  std::vector<std::string> topics;
  std::vector<TopicPartitions> partitions;
};

struct ClassicGroupInfo {
  std::string group;
  std::string state;  // Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable
  std::string protocol_type;
  std::string protocol_name;
  int64_t generation = 0;
  std::vector<ClassicMemberInfo> members;  // join order
};

using ClassicJoinCallback = absl::AnyInvocable<void(absl::StatusOr<ClassicJoinResult>)>;
// The member's assignment bytes.
using ClassicSyncCallback = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;

}  // namespace eventlog::broker

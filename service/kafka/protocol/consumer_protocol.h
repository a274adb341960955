// The "consumer" protocol type of Kafka's group protocol: what consumers
// put in JoinGroup's protocol metadata (ConsumerProtocolSubscription: the
// topics they subscribe to) and what the leader puts in SyncGroup's
// assignments (ConsumerProtocolAssignment: topic partitions per member).
// The broker does not need them to run a group; it reads them to show a
// group's members and partitions (DescribeGroup), and writes an assignment
// to show eventlog groups to Kafka tools. Classic (non-flexible) encoding,
// any version: fields after the ones read are ignored.
//
// Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::kafka {

// The protocol type of groups whose members speak this protocol.
inline constexpr char kConsumerProtocolType[] = "consumer";

struct ConsumerTopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const ConsumerTopicPartitions&) const = default;
};

// The subscribed topics. INVALID_ARGUMENT if malformed.
absl::StatusOr<std::vector<std::string>> DecodeConsumerSubscription(absl::string_view metadata);

// The assigned partitions (an empty `assignment`: none). INVALID_ARGUMENT
// if malformed.
absl::StatusOr<std::vector<ConsumerTopicPartitions>> DecodeConsumerAssignment(
    absl::string_view assignment);

// A version 0 assignment of `partitions` (no user data).
std::string EncodeConsumerAssignment(const std::vector<ConsumerTopicPartitions>& partitions);

// A version 0 subscription of `topics` (no user data), for tests.
std::string EncodeConsumerSubscription(const std::vector<std::string>& topics);

}  // namespace eventlog::kafka

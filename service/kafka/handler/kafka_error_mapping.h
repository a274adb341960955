// The one mapping from the broker core's absl::Status (codes of
// docs/protocol.md, plus util::ErrorReason where Kafka is finer) to Kafka's
// error codes. Where Kafka's code depends on the API, the caller says which
// kind of call it is.
//
// Stateless; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "service/kafka/protocol/error_code.h"

namespace eventlog::kafka {

enum class CallKind {
  kProduce,  // Produce
  kRead,     // Fetch, ListOffsets, Metadata
  kAdmin,    // CreateTopics, DeleteTopics
  kGroup,    // JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups, ListGroups
  kCommit,   // OffsetCommit, OffsetFetch
};

ErrorCode ToKafkaError(const absl::Status& status, CallKind kind);

// The wire value of ToKafkaError.
inline int16_t KafkaErrorOf(const absl::Status& status, CallKind kind) {
  return Wire(ToKafkaError(status, kind));
}

}  // namespace eventlog::kafka

// OffsetManager: committed consumer offsets and what the broker knows about
// groups (CommitOffset, FetchCommittedOffsets, ListGroups, DescribeGroup).
// Commits consult the coordinator that serves the group for the generation
// check: the ClassicGroupCoordinator while the group has Kafka members,
// else the GroupCoordinator. Offsets live in one OffsetStore (the store's on
// a single broker; in a cluster, the internal offsets topic of the groups
// this broker coordinates), the same for both protocols, so a commit from
// either is seen by the other.
//
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/broker/broker_options.h"
#include "service/broker/classic_group_coordinator.h"
#include "service/broker/group_coordinator.h"
#include "service/broker/offset_types.h"
#include "service/broker/partition_router.h"
#include "storage/store.h"

namespace eventlog::broker {

class OffsetManager {
 public:
  // `store`, `coordinator`, `kafka_groups`, `offsets` and `router` (null:
  // every partition is local) must outlive this object.
  OffsetManager(storage::Store* store, GroupCoordinator* coordinator,
                ClassicGroupCoordinator* kafka_groups, const BrokerOptions& options,
                storage::OffsetStore* offsets, const PartitionRouter* router = nullptr)
      : store_(store),
        coordinator_(coordinator),
        kafka_groups_(kafka_groups),
        options_(options),
        offsets_(offsets),
        router_(router) {}

  // INVALID_ARGUMENT (names, negative partition/offset/generation), NOT_FOUND
  // (topic, partition), OUT_OF_RANGE (offset above the high watermark),
  // RESOURCE_EXHAUSTED (metadata too long), FAILED_PRECONDITION (see
  // GroupCoordinator::CommitIfAllowed). Durable when it returns OK. In a
  // cluster the high watermark of a partition led elsewhere is not checked.
  absl::Status Commit(const CommitOffsetRequest& request);
  // Several partitions: the same checks for each, then all or none.
  // INVALID_ARGUMENT also for an empty list or a repeated partition.
  absl::Status CommitMany(const CommitOffsetsRequest& request);

  // Committed partitions only (in partition order).
  absl::StatusOr<std::vector<PartitionCommit>> FetchCommitted(
      const FetchCommittedRequest& request) const;

  // Groups with commits or live members, sorted.
  absl::StatusOr<std::vector<std::string>> ListGroups() const;

  // NOT_FOUND if the group has neither commits nor members. Lags cover every
  // partition of the topics the group committed to or has members on; in a
  // cluster, partitions led elsewhere have high_watermark and lag -1 (the
  // gRPC layer asks their leaders). A Kafka group's members are listed once
  // per topic they subscribe to, with the partitions their leader assigned
  // them there.
  absl::StatusOr<GroupDescription> DescribeGroup(absl::string_view group) const;

 private:
  bool IsLocal(absl::string_view topic, int32_t partition) const;

  storage::Store* const store_;
  GroupCoordinator* const coordinator_;
  ClassicGroupCoordinator* const kafka_groups_;
  const BrokerOptions options_;
  storage::OffsetStore* const offsets_;
  const PartitionRouter* const router_;
};

}  // namespace eventlog::broker

// Partition placement decisions of the controller, as pure functions so
// that they are tested without etcd (docs/CLUSTER.md):
//
// - AssignReplicas: the replicas of a new topic's partitions, balanced by
//   count over the live brokers. Each partition goes to the live brokers
//   with the fewest replicas so far (the cluster's existing load included),
//   ties broken by a rotation that starts where the topic's name hashes, so
//   that topics of one partition do not all land on the lowest id.
// - ElectLeader: the state a partition should have given the live brokers:
//   its leader is the first in-sync replica that is live, in replica order
//   (the first replica is the preferred leader); with none live the leader
//   is -1 and the partition is unavailable (with one replica, until that
//   broker returns: its data is nowhere else). A live in-sync leader stays,
//   and the dead members leave its ISR at once, the epoch unchanged (Kafka's
//   ISR shrink on broker fencing). Every change of leader bumps the leader
//   epoch and drops the dead members from the ISR too (all of it stays when
//   none is live). The leader shrinks the ISR of its lagging followers and
//   grows it with caught-up live ones (ClusterNode::AlterIsr). Never an
//   out-of-sync replica unless the topic opts in (unclean election).
// - NewPartition: the state a partition is created with.
//
// Thread-safe (stateless functions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/cluster/cluster_state.h"

namespace eventlog::cluster {

// `load`: every live broker with the number of replicas it holds now.
// UNAVAILABLE if fewer live brokers than `replication_factor`.
absl::StatusOr<std::vector<std::vector<int32_t>>> AssignReplicas(std::map<int32_t, int64_t> load,
                                                                 absl::string_view topic,
                                                                 int32_t partitions,
                                                                 int32_t replication_factor);

// The state of a partition just placed on `replicas` (not empty): led by
// its first replica, epoch 0, every replica in sync (empty logs agree).
PartitionEntry NewPartition(std::vector<int32_t> replicas);

// The replica count of every live broker in `state` (0 for those with none).
std::map<int32_t, int64_t> ReplicaLoad(const ClusterState& state);

// The new state of `current` given `live` brokers (a new leader, or only
// the dead members out of the ISR), or nullopt if it stays.
// `unclean` (the topic's unclean_leader_election_enable): with no live
// in-sync replica, the first live replica leads, alone in the ISR
// (acknowledged records it lacks are lost); otherwise the partition is
// offline until an in-sync replica returns.
std::optional<PartitionEntry> ElectLeader(const PartitionEntry& current,
                                          const std::set<int32_t>& live, bool unclean = false);

}  // namespace eventlog::cluster

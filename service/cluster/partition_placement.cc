#include "service/cluster/partition_placement.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/broker/partitioner.h"

namespace eventlog::cluster {

absl::StatusOr<std::vector<std::vector<int32_t>>> AssignReplicas(std::map<int32_t, int64_t> load,
                                                                 absl::string_view topic,
                                                                 int32_t partitions,
                                                                 int32_t replication_factor) {
  if (static_cast<int64_t>(load.size()) < replication_factor || load.empty()) {
    return absl::UnavailableError(absl::StrCat("the topic needs ", replication_factor,
                                               " live broker(s) per partition and ", load.size(),
                                               " are registered; start more brokers or retry"));
  }
  std::vector<int32_t> ids;
  for (const auto& [id, count] : load) ids.push_back(id);
  const size_t n = ids.size();
  // Where this topic's tie-breaking starts.
  size_t start = static_cast<size_t>(broker::Partitioner::ForKey(topic, static_cast<int32_t>(n)));
  std::vector<std::vector<int32_t>> assignment;
  assignment.reserve(partitions);
  for (int32_t p = 0; p < partitions; ++p) {
    // Brokers by (load, rotated position).
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = (start + i) % n;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return load[ids[a]] < load[ids[b]]; });
    std::vector<int32_t> replicas;
    for (int32_t r = 0; r < replication_factor; ++r) {
      const int32_t id = ids[order[r]];
      replicas.push_back(id);
      ++load[id];
    }
    assignment.push_back(std::move(replicas));
    start = (start + 1) % n;
  }
  return assignment;
}

PartitionEntry NewPartition(std::vector<int32_t> replicas) {
  PartitionEntry entry;
  entry.leader = replicas.front();
  entry.isr = replicas;  // empty logs are in sync
  entry.replicas = std::move(replicas);
  return entry;
}

std::map<int32_t, int64_t> ReplicaLoad(const ClusterState& state) {
  std::map<int32_t, int64_t> load;
  for (const auto& [id, broker] : state.brokers()) load[id] = 0;
  for (const auto& [name, topic] : state.topics()) {
    const std::map<int32_t, PartitionEntry>* partitions = state.PartitionsOf(name);
    if (partitions == nullptr) continue;
    for (const auto& [p, entry] : *partitions) {
      for (int32_t replica : entry.replicas) {
        auto it = load.find(replica);
        if (it != load.end()) ++it->second;
      }
    }
  }
  return load;
}

namespace {

// The members of `isr` that are live, in their order.
std::vector<int32_t> LiveMembers(const std::vector<int32_t>& isr, const std::set<int32_t>& live) {
  std::vector<int32_t> members;
  for (int32_t replica : isr) {
    if (live.count(replica) > 0) members.push_back(replica);
  }
  return members;
}

}  // namespace

std::optional<PartitionEntry> ElectLeader(const PartitionEntry& current,
                                          const std::set<int32_t>& live, bool unclean) {
  auto in_sync = [&](int32_t replica) {
    return std::find(current.isr.begin(), current.isr.end(), replica) != current.isr.end();
  };
  // A live in-sync leader keeps its partition: moving it (back to the
  // preferred replica, say) would cost a failover for nothing.
  if (current.leader >= 0 && live.count(current.leader) > 0 && in_sync(current.leader)) {
    // But a follower whose registration went (lease expired, or it left on
    // shutdown) leaves the ISR now, as Kafka's controller fences a broker:
    // else ACKS_ALL waits for the leader's --replica_lag_time_max_ms. The
    // ISR keeps the leader, so it never empties; the epoch stays, as for
    // the leader's own shrink (ClusterNode::AlterIsr).
    std::vector<int32_t> isr = LiveMembers(current.isr, live);
    if (isr == current.isr) return std::nullopt;
    PartitionEntry next = current;
    next.isr = std::move(isr);
    return next;
  }
  int32_t leader = -1;
  for (int32_t replica : current.replicas) {
    if (in_sync(replica) && live.count(replica) > 0) {
      leader = replica;
      break;
    }
  }
  if (leader < 0 && unclean) {
    for (int32_t replica : current.replicas) {
      if (live.count(replica) > 0) {
        // Out of sync, so the ISR starts again from it alone; the others
        // truncate to its epoch boundary and rejoin as they catch up.
        PartitionEntry next = current;
        next.leader = replica;
        next.leader_epoch = current.leader_epoch + 1;
        next.isr = {replica};
        return next;
      }
    }
  }
  if (leader == current.leader) return std::nullopt;
  PartitionEntry next = current;
  next.leader = leader;
  next.leader_epoch = current.leader_epoch + 1;
  if (leader >= 0) {
    // The dead members go with the leadership change; with none live, the
    // ISR stays whole, so that whichever member returns first (each has
    // every acknowledged record) leads.
    next.isr = LiveMembers(current.isr, live);
  }
  return next;
}

}  // namespace eventlog::cluster

// ReplicaManager: a broker's replicas of replicated partitions
// (docs/CLUSTER.md, "Replication"); partitions of one replica are left as
// on a single broker. From each metadata snapshot it makes
// the local logs play their part before the snapshot is published (so a
// partition is never served as local before its log leads in the new
// epoch):
// - partitions this broker leads: BecomeLeader(epoch); the high watermark
//   is capped at the lowest durable end its in-sync followers reported
//   (their Fetch requests arrive through OnFollowerFetch); every 200 ms the
//   ISR is checked: a follower not caught up to the log end for
//   lag_time_max leaves it, a caught-up registered one whose durable end
//   reached the high watermark joins it (the controller takes a broker
//   whose registration went out of every ISR), written by compare-and-swap
//   on the partition key (ClusterNode::AlterIsr) and applied when the view
//   shows it;
// - partitions it follows: one ReplicaFetcher per leader broker copies
//   them, after truncating each to its leader's epoch boundary;
// - partitions it stops leading: pending ACKS_ALL appends fail with
//   UNAVAILABLE and the high watermark stops where it is.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/cluster/cluster_node.h"
#include "service/cluster/cluster_state.h"
#include "storage/partition_log.h"
#include "storage/store.h"

namespace eventlog::replication {

class ReplicaFetcher;

struct ReplicaManagerOptions {
  int32_t broker_id = 0;
  // A follower not caught up to the leader's log end for this long leaves
  // the ISR (--replica_lag_time_max_ms).
  absl::Duration lag_time_max = absl::Seconds(10);
  // Messages between brokers (the leader's answers carry batches).
  int64_t max_message_bytes = 64 << 20;
  // ACKS_ALL appends need this many in-sync replicas in a topic whose
  // record has no min_insync_replicas (--min_insync_replicas).
  int32_t min_insync_replicas = 1;
};

// One partition a follower copies, as its fetcher sees it.
struct FollowedPartition {
  std::string topic;
  uint64_t topic_id = 0;
  int32_t partition = 0;
  int32_t leader_epoch = 0;
  bool truncated = false;  // truncated to the leader's epoch boundary for this epoch
  std::shared_ptr<storage::PartitionLog> log;
};

// How far a follower is behind in a partition this broker leads: the
// leader's log end minus the follower's log end as of its last fetch
// request (Kafka's per-replica lag, in records of offset space).
struct ReplicaLag {
  std::string topic;
  int32_t partition = 0;
  int32_t replica = 0;
  int64_t records = 0;
};

// A follower's position in one partition, from its Fetch request.
struct FollowerPosition {
  int32_t follower = 0;
  std::string topic;
  int32_t partition = 0;
  int64_t fetch_offset = 0;
  int64_t durable_end = 0;
  int32_t leader_epoch = 0;
};

class ReplicaManager {
 public:
  // `store` and `node` must outlive the manager. Starts the ISR thread.
  ReplicaManager(storage::Store* store, cluster::ClusterNode* node, ReplicaManagerOptions options);
  ~ReplicaManager();  // Stop()
  ReplicaManager(const ReplicaManager&) = delete;
  ReplicaManager& operator=(const ReplicaManager&) = delete;

  // Brings the replicas in line with `state` (idempotent).
  void Apply(const cluster::ClusterState& state) ABSL_LOCKS_EXCLUDED(apply_mu_, mu_);

  // Stops the fetchers and the ISR thread. Idempotent.
  void Stop();

  // ---- Leader side (ReplicationService) ----
  // The log of a partition this broker leads in `leader_epoch`, after
  // recording the follower's position; UNAVAILABLE if it does not lead it
  // in that epoch (the follower's metadata or this broker's is stale),
  // FAILED_PRECONDITION when the follower is past the log end (it must
  // truncate first).
  absl::StatusOr<std::shared_ptr<storage::PartitionLog>> OnFollowerFetch(
      const FollowerPosition& position) ABSL_LOCKS_EXCLUDED(mu_);
  // The log of a partition this broker leads in `leader_epoch`.
  absl::StatusOr<std::shared_ptr<storage::PartitionLog>> LeaderLog(absl::string_view topic,
                                                                   int32_t partition,
                                                                   int32_t leader_epoch) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Follower side (ReplicaFetcher) ----
  std::vector<FollowedPartition> FollowedFrom(int32_t leader) const ABSL_LOCKS_EXCLUDED(mu_);
  void MarkTruncated(const std::string& topic, int32_t partition, int32_t leader_epoch,
                     bool truncated) ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Metrics ----
  // Every follower of every replicated partition this broker leads, in or
  // out of the ISR. A follower not heard from since this broker took the
  // lead counts from the high watermark it found then (what the ISR had).
  std::vector<ReplicaLag> Lags() const ABSL_LOCKS_EXCLUDED(mu_);

  const ReplicaManagerOptions& options() const { return options_; }

 private:
  using Key = std::pair<std::string, int32_t>;

  struct Progress {
    int64_t fetch_offset = -1;
    int64_t durable_end = -1;  // -1: not heard from in this epoch
    absl::Time caught_up;      // last time it had fetched up to the log end
    // The leader's log end when it last answered, and when: a follower that
    // asks from there next was caught up then (Kafka's rule; under steady
    // load a follower is rarely at the very end when it asks).
    int64_t answered_end = -1;
    absl::Time answered_at;
  };
  struct Led {
    int32_t epoch = 0;
    std::shared_ptr<storage::PartitionLog> log;
    cluster::PartitionEntry seen;     // as of the last snapshot (ISR, mod revision)
    int64_t base_high_watermark = 0;  // at BecomeLeader: the floor for silent followers
    int64_t epoch_start = 0;          // the log end at BecomeLeader
    std::map<int32_t, Progress> followers;
  };
  struct Followed {
    int32_t leader = -1;
    FollowedPartition partition;
  };
  struct IsrChange {
    std::string topic;
    int32_t partition = 0;
    cluster::PartitionEntry seen;
    std::vector<int32_t> isr;
  };

  // The high watermark limit of `led` from its ISR's progress.
  int64_t LimitLocked(const Led& led) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  std::vector<IsrChange> IsrChangesLocked(absl::Time now) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void RunIsrLoop();

  storage::Store* const store_;
  cluster::ClusterNode* const node_;
  const ReplicaManagerOptions options_;

  absl::Mutex apply_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one Apply at a time
  std::map<int32_t, std::unique_ptr<ReplicaFetcher>> fetchers_ ABSL_GUARDED_BY(apply_mu_);
  std::map<int32_t, std::string> fetcher_addresses_ ABSL_GUARDED_BY(apply_mu_);

  mutable absl::Mutex mu_;
  std::map<Key, Led> led_ ABSL_GUARDED_BY(mu_);
  std::map<Key, Followed> followed_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t applied_revision_ ABSL_GUARDED_BY(mu_) = 0;  // of the last snapshot applied
  std::set<int32_t> registered_ ABSL_GUARDED_BY(mu_);  // brokers of that snapshot
  std::thread isr_thread_;
};

}  // namespace eventlog::replication

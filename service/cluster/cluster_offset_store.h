// ClusterOffsetStore: committed offsets and group epochs of a cluster, kept
// in the internal compacted topic __consumer_offsets (docs/CLUSTER.md), so
// that they live on brokers and are replicated like any partition. A group's records go to the partition
// murmur2(group) % partitions of that topic; the broker that leads that
// partition is the group's coordinator: it holds the group's members, and
// this store on it serves the group's offsets from memory.
//
// When this broker becomes the leader of an offsets partition (at start, or
// when the partition's only broker returns), Refresh() loads the partition
// in the background (reads it to its log end, once its high watermark is
// there, and keeps the newest value per key); until then, and on brokers that do not lead it, the
// group's calls fail with UNAVAILABLE (naming the leader when there is
// one). A write updates memory at once and appends a record (ACKS_ALL);
// Sync() waits for the appends this thread made.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/partition_router.h"
#include "service/cluster/cluster_state.h"
#include "service/cluster/offsets_record.h"
#include "storage/offset_store.h"
#include "storage/store.h"

namespace eventlog::cluster {

class ClusterOffsetStore final : public storage::OffsetStore {
 public:
  // `store` and `router` must outlive this object. `topic` has
  // `partitions` partitions.
  ClusterOffsetStore(storage::Store* store, const broker::PartitionRouter* router,
                     std::string topic, int32_t partitions);
  ~ClusterOffsetStore() override;
  ClusterOffsetStore(const ClusterOffsetStore&) = delete;
  ClusterOffsetStore& operator=(const ClusterOffsetStore&) = delete;

  const std::string& topic() const { return topic_; }
  // The offsets partition of `group`.
  int32_t PartitionFor(absl::string_view group) const;

  // OK if this broker coordinates `group` now (leads its partition, loaded);
  // else UNAVAILABLE: naming the coordinator (NotLeaderError), or saying
  // that it is loading or has no leader.
  absl::Status CheckCoordinator(absl::string_view group) const;

  // Starts loading the partitions this broker now leads and forgets the
  // others; drops the commits of topics `state` does not have (deleted).
  void Refresh(const ClusterState& state);

  // storage::OffsetStore (each fails with CheckCoordinator's error when the
  // group is not coordinated here):
  absl::Status Write(absl::string_view group, uint64_t topic_id, int32_t partition, int64_t offset,
                     absl::string_view metadata) override;
  // Waits for the appends of the Writes this thread made.
  absl::Status Sync() override;
  absl::StatusOr<std::optional<storage::CommittedOffset>> Get(absl::string_view group,
                                                              uint64_t topic_id,
                                                              int32_t partition) const override;
  absl::StatusOr<std::map<int32_t, storage::CommittedOffset>> GetAll(
      absl::string_view group, uint64_t topic_id) const override;
  absl::StatusOr<std::map<uint64_t, std::map<int32_t, storage::CommittedOffset>>> GetGroup(
      absl::string_view group) const override;
  // The groups of the partitions loaded here.
  absl::StatusOr<std::vector<std::string>> ListGroups() const override;
  absl::StatusOr<int64_t> GroupEpoch(absl::string_view group) const override;
  absl::Status SaveGroupEpoch(absl::string_view group, int64_t epoch) override;

 private:
  struct Group {
    int64_t epoch = 0;
    std::map<std::pair<uint64_t, int32_t>, storage::CommittedOffset> commits;
  };
  struct Partition {
    enum class State { kNotLed, kLoading, kLoaded };
    State state = State::kNotLed;
    uint64_t load_token = 0;  // which load is current
    std::map<std::string, Group, std::less<>> groups;
  };
  class PendingAppend;

  // The group's entry of a loaded partition, or the coordinator error.
  absl::StatusOr<const Group*> FindGroup(absl::string_view group) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status CheckLoaded(int32_t partition, absl::string_view group) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void ApplyLocked(Partition& partition, const OffsetsRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends `record` to `partition` of the offsets topic (ACKS_ALL).
  std::shared_ptr<PendingAppend> Append(int32_t partition, const OffsetsRecord& record);
  void RunLoader();
  // Reads the partition's log into a fresh Partition.
  absl::StatusOr<Partition> Load(int32_t partition) const;

  storage::Store* const store_;
  const broker::PartitionRouter* const router_;
  const std::string topic_;
  const int32_t partitions_count_;

  mutable absl::Mutex mu_;
  absl::CondVar work_;
  std::vector<Partition> partitions_ ABSL_GUARDED_BY(mu_);
  std::vector<int32_t> to_load_ ABSL_GUARDED_BY(mu_);
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread loader_;  // last: starts after the fields it uses
};

}  // namespace eventlog::cluster

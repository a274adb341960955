// ClusterNode: a broker's membership of a cluster (docs/CLUSTER.md). It owns
// the broker's connection to etcd and what follows from it:
// - the metadata view (MetadataView), which keeps the local store's topics
//   in line with the cluster's (LocalTopics);
// - the registration: <prefix>/brokers/<id> on a lease kept alive by a
//   LeaseKeeper and written again on a new lease when the old one is lost;
// - the Controller, campaigning on every broker, active on one;
// - the committed offsets of the groups this broker coordinates
//   (ClusterOffsetStore over __consumer_offsets);
// and it is the broker core's PartitionRouter: a partition is local when
// the metadata names this broker its leader and the broker is registered.
// When the lease is lost (etcd out of reach for a TTL: a network partition,
// or etcd down), the broker stops acting as leader at once — every partition
// is "unavailable here" — until it has registered again and its view has
// caught up with that registration.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/broker/broker.h"
#include "service/broker/partition_router.h"
#include "service/cluster/cluster_keys.h"
#include "service/cluster/cluster_offset_store.h"
#include "service/cluster/cluster_options.h"
#include "service/cluster/cluster_state.h"
#include "service/cluster/controller.h"
#include "service/cluster/etcd/etcd_client.h"
#include "service/cluster/etcd/lease_keeper.h"
#include "service/cluster/local_topics.h"
#include "service/cluster/metadata_view.h"
#include "storage/store.h"

namespace eventlog::cluster {

// The internal topic of committed offsets.
inline constexpr char kOffsetsTopic[] = "__consumer_offsets";

struct BrokerEndpoint {
  int32_t id = 0;
  std::string address;
};

class ClusterNode final : public broker::PartitionRouter {
 public:
  // Connects to etcd; creates the cluster record if there is none (then
  // FAILED_PRECONDITION if the store already has topics: a data directory
  // from another cluster or a single broker is never merged into a new
  // one); follows the metadata, bringing the store in line. Not registered
  // yet (see Join). `store` must outlive the node. UNAVAILABLE /
  // DEADLINE_EXCEEDED when etcd cannot be reached.
  static absl::StatusOr<std::unique_ptr<ClusterNode>> Start(const ClusterOptions& options,
                                                            storage::Store* store);

  // Leave()s.
  ~ClusterNode() override;
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Registers the broker at `advertise` (HOST:PORT; waiting up to a TTL for
  // a registration of a previous run to expire; ALREADY_EXISTS if another
  // live broker has the id) and starts campaigning for controller. `broker` (which must outlive
  // the node's use of it, until Leave) resolves topic configs for the
  // controller. `kafka_advertise` is the Kafka listener's HOST:PORT for
  // Kafka clients' metadata ("" without one). Call once, when the broker
  // serves.
  absl::Status Join(const broker::Broker* broker, const std::string& advertise,
                    const std::string& kafka_advertise = "");

  // Resigns as controller and revokes the registration (its partitions go
  // unavailable at once rather than after the TTL), stops following etcd.
  // Idempotent.
  void Leave();

  // broker::PartitionRouter.
  broker::PartitionRoute Route(absl::string_view topic, int32_t partition) const override;

  int32_t broker_id() const { return options_.broker_id; }
  const ClusterOptions& options() const { return options_; }
  std::shared_ptr<const ClusterState> metadata() const { return view_->current(); }
  // Live brokers, by id.
  std::vector<BrokerEndpoint> brokers() const;
  // The active controller, if one is elected and registered.
  std::optional<BrokerEndpoint> controller() const;
  bool is_controller() const { return controller_ != nullptr && controller_->active(); }
  // Registered under a live lease (false while fenced: the lease was lost
  // and not yet re-granted, or after Leave).
  bool registered() const { return registered_.load() && !left_.load(); }

  // At the active controller only (see Controller): the revision of the
  // change, which WaitForRevision then waits for.
  absl::StatusOr<int64_t> CreateTopic(const broker::ResolvedTopic& topic);
  absl::StatusOr<int64_t> DeleteTopic(absl::string_view name);
  // Creates the internal offsets topic if it is missing (when a consumer
  // group first needs it).
  absl::StatusOr<int64_t> CreateOffsetsTopic();
  absl::Status WaitForRevision(int64_t revision, absl::Duration timeout) const {
    return view_->WaitForRevision(revision, timeout);
  }

  // For a request naming a topic this broker's view lacks: reads the topic
  // from etcd and, if it exists, waits until the view (and the local store)
  // has it. OK either way; DEADLINE_EXCEEDED if the view lags.
  absl::Status SyncTopic(absl::string_view topic, absl::Duration timeout) const;

  // (name, partitions) of every topic but the internal ones, read from etcd
  // (linearizable), sorted.
  absl::StatusOr<std::vector<std::pair<std::string, int32_t>>> ListTopics() const;

  // Consumer groups: the coordinator of `group` is the leader of its
  // partition of the offsets topic.
  broker::PartitionRoute CoordinatorRoute(absl::string_view group) const;
  // OK if this broker coordinates `group` now (see ClusterOffsetStore).
  absl::Status CheckCoordinator(absl::string_view group) const {
    return offsets_->CheckCoordinator(group);
  }
  ClusterOffsetStore* offsets() { return offsets_.get(); }

  // Replication (docs/CLUSTER.md, "ISR changes"). `hook` runs on every
  // metadata snapshot before it is published (after the local topics are
  // in line with it), and once now on the current one; at most one hook.
  void SetReplicaHook(MetadataView::Hook hook) ABSL_LOCKS_EXCLUDED(hook_mu_);
  // The leader's ISR change of a partition it leads: writes `isr` into the
  // partition state `seen` (compare-and-swap on its mod revision, so a
  // concurrent leader change by the controller wins). ABORTED when the
  // state changed meanwhile; the etcd errors otherwise.
  absl::Status AlterIsr(absl::string_view topic, int32_t partition, const PartitionEntry& seen,
                        const std::vector<int32_t>& isr);

 private:
  explicit ClusterNode(const ClusterOptions& options);

  absl::Status EnsureClusterRecord(storage::Store* store);
  // This broker's BrokerRegistration, as stored in etcd.
  std::string RegistrationJson() const;
  // Registers this broker under `lease` if its id is free (compare-and-create
  // of its key): the registration's revision, or nullopt when the key exists
  // (its lease in *holder: a previous registration of this broker not yet
  // gone, or another broker with the same id).
  absl::StatusOr<std::optional<int64_t>> Register(int64_t lease, int64_t* holder);
  // The keeper replaced a lost lease: registers again under it, as Join did
  // first, retrying while the key is held under another lease (leading
  // nothing meanwhile) until it goes, the lease is lost again, or Leave().
  void RegisterAgain(int64_t lease);

  const ClusterOptions options_;
  const ClusterKeys keys_;
  std::string advertise_;        // set by Join
  std::string kafka_advertise_;  // set by Join
  std::unique_ptr<etcd::EtcdClient> client_;
  cluster::v1::ClusterInfo info_;
  std::unique_ptr<LocalTopics> local_topics_;
  std::unique_ptr<ClusterOffsetStore> offsets_;
  std::unique_ptr<MetadataView> view_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<etcd::LeaseKeeper> keeper_;

  void ApplyToReplicas(const ClusterState& state) ABSL_LOCKS_EXCLUDED(hook_mu_);

  absl::Mutex hook_mu_;
  MetadataView::Hook replica_hook_ ABSL_GUARDED_BY(hook_mu_);

  // Fencing: leads nothing unless registered and the view has caught up
  // with the registration's revision.
  std::atomic<bool> registered_{false};
  std::atomic<int64_t> registered_revision_{0};
  std::atomic<bool> left_{false};
};

}  // namespace eventlog::cluster

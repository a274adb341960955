// Controller: the one broker of the cluster that changes partition
// metadata (docs/CLUSTER.md). Every broker runs one; the LeaderElection on
// <prefix>/controller makes one of them active (a lease-bound key created
// with compare-and-create; another broker takes over within about one lease
// TTL of the active one's death).
//
// While active it:
// - creates and deletes topics (CreateTopic, DeleteTopic; other brokers
//   forward those requests here): the topic key and its partition states in
//   compare-and-swap transactions, replicas placed by AssignReplicas;
// - keeps every partition's leader right (ElectLeader) as brokers come and
//   go: whenever its view of the metadata changes, and every second; and
//   places partitions a creation left without state. A broker whose
//   registration goes (lease expired, or revoked on shutdown) leaves the
//   ISR of every partition at once, those it follows included;
// - creates the internal offsets topic when a consumer group first needs
//   it (as Kafka does), so that it spreads over the brokers up by then.
// Every transaction it makes carries Leadership::StillLeader(), so a
// deposed controller's writes fail, and compares each key's mod revision
// with the one it read, so concurrent changes are never overwritten.
//
// Thread-safe. Runs a thread of its own while started.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"
#include "service/cluster/cluster_keys.h"
#include "service/cluster/etcd/etcd_client.h"
#include "service/cluster/etcd/leader_election.h"
#include "service/cluster/metadata_view.h"

namespace eventlog::cluster {

// A topic to create, its config resolved (every field set).
struct NewTopic {
  std::string name;
  int32_t partitions = 1;
  int32_t replication_factor = 1;
  eventlog::v1::TopicConfig config;
  bool internal = false;
};

struct ControllerOptions {
  int32_t broker_id = 0;
  int64_t lease_ttl_seconds = 5;
  // Created by CreateOffsetsTopic (partitions from the cluster record).
  NewTopic offsets_topic;
};

class Controller {
 public:
  // `client` and `view` must outlive the controller.
  Controller(etcd::EtcdClient* client, const ClusterKeys& keys, MetadataView* view,
             ControllerOptions options);
  // Stop()s.
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts campaigning (the errors of LeaderElection::Campaign).
  absl::Status Start();
  // Resigns (another broker takes over at once) and stops. Idempotent.
  void Stop();

  bool active() const;

  // Creates the topic; returns the etcd revision of the (last) transaction,
  // which every broker's view reaches before it serves the topic.
  // ALREADY_EXISTS; UNAVAILABLE if this broker is not the active controller
  // (or stops being it meanwhile) or no broker is live; INVALID_ARGUMENT
  // for the internal offsets topic's name.
  absl::StatusOr<int64_t> CreateTopic(const NewTopic& topic);
  // Creates the offsets topic if it does not exist; the revision to wait
  // for. UNAVAILABLE as above.
  absl::StatusOr<int64_t> CreateOffsetsTopic();
  // NOT_FOUND; INVALID_ARGUMENT for an internal topic; UNAVAILABLE as above.
  absl::StatusOr<int64_t> DeleteTopic(absl::string_view name);

 private:
  void Run();
  // One pass: missing partition states, leaders. Returns false if a
  // transaction lost a race or etcd failed (look again after the next
  // change).
  bool Reconcile(const etcd::Leadership& leadership, const ClusterState& state);
  absl::StatusOr<int64_t> CreateTopicAs(const etcd::Leadership& leadership,
                                        const ClusterState& state, const NewTopic& topic);
  std::optional<etcd::Leadership> leadership() const;
  std::string PartitionJson(const PartitionEntry& entry, int64_t controller_epoch) const;

  etcd::EtcdClient* const client_;
  const ClusterKeys keys_;
  MetadataView* const view_;
  const ControllerOptions options_;

  // Serializes topic creation and deletion with the reconcile passes.
  absl::Mutex ops_mu_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<etcd::Leadership> leadership_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
  // Last: its callbacks use the fields above.
  std::unique_ptr<etcd::LeaderElection> election_;
};

}  // namespace eventlog::cluster

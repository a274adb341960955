// ClusterState: one consistent copy of the cluster metadata kept in etcd
// (docs/CLUSTER.md): the cluster record, the live brokers, the controller,
// the topics and every partition's state, as of one etcd revision. Built
// from a read of the whole prefix (Reset) and kept current by applying the
// watch's changes (Apply); a broker publishes each new copy as an immutable
// snapshot (shared_ptr<const ClusterState>) that readers use without locks.
//
// Values that do not decode are skipped (and reported on stderr), so one bad
// key cannot stop a broker from following the rest.
//
// Not synchronized: a value type.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eventlog/cluster/v1/metadata.pb.h"
#include "eventlog/v1/eventlog.pb.h"
#include "service/cluster/cluster_keys.h"
#include "service/cluster/etcd/etcd_types.h"

namespace eventlog::cluster {

struct BrokerEntry {
  int32_t id = 0;
  std::string address;
  int64_t lease = 0;  // the lease the registration is bound to
  std::string kafka_address;  // HOST:PORT; empty: no Kafka listener
};

struct PartitionEntry {
  std::vector<int32_t> replicas;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int64_t controller_epoch = 0;
  int64_t mod_revision = 0;  // of its key: the compare of the next change
};

struct TopicEntry {
  std::string name;
  uint64_t id = 0;           // the create revision of its key
  int64_t mod_revision = 0;  // of its key
  int32_t partitions = 0;
  eventlog::v1::TopicConfig config;  // effective values
  int32_t replication_factor = 1;
  bool internal = false;
};

class ClusterState {
 public:
  // Replaces everything with a read of ClusterKeys::Root().
  void Reset(const ClusterKeys& keys, const etcd::RangeResult& snapshot);
  // Applies changes after the last Reset/Apply, in revision order.
  void Apply(const ClusterKeys& keys, const std::vector<etcd::WatchEvent>& events);

  // The etcd revision this copy reflects.
  int64_t revision() const { return revision_; }
  const std::optional<eventlog::cluster::v1::ClusterInfo>& info() const { return info_; }
  // Live brokers by id.
  const std::map<int32_t, BrokerEntry>& brokers() const { return brokers_; }
  const BrokerEntry* FindBroker(int32_t id) const;
  // The controller's broker id, if one is elected.
  std::optional<int32_t> controller() const { return controller_; }
  // Topics by name.
  const std::map<std::string, TopicEntry, std::less<>>& topics() const { return topics_; }
  const TopicEntry* FindTopic(absl::string_view name) const;
  // The state of a partition of a topic, if written.
  const PartitionEntry* FindPartition(absl::string_view topic, int32_t partition) const;
  // Every partition state of a topic, by partition (may lag behind a topic
  // just created or deleted by one revision, never within a transaction).
  const std::map<int32_t, PartitionEntry>* PartitionsOf(absl::string_view topic) const;
  // How many partitions `leader` leads whose ISR is smaller than their
  // replica set (under-replicated, as the leader reports it).
  int64_t UnderReplicatedLedBy(int32_t leader) const;

 private:
  void Put(const ClusterKeys& keys, const etcd::KeyValue& kv);
  void Delete(const ClusterKeys& keys, const std::string& key);

  int64_t revision_ = 0;
  std::optional<eventlog::cluster::v1::ClusterInfo> info_;
  std::map<int32_t, BrokerEntry> brokers_;
  std::optional<int32_t> controller_;
  std::map<std::string, TopicEntry, std::less<>> topics_;
  std::map<std::string, std::map<int32_t, PartitionEntry>, std::less<>> partitions_;
};

}  // namespace eventlog::cluster

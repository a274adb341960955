// ClusterKeys: the etcd key layout of one cluster, in one place
// (docs/CLUSTER.md). Every key lives under a prefix (--cluster_prefix,
// "/eventlog" by default), so several clusters may share an etcd:
//
//   <prefix>/cluster                       ClusterInfo, created once
//   <prefix>/brokers/<id>                  BrokerRegistration, on the broker's lease
//   <prefix>/controller                    the controller election (value: broker id)
//   <prefix>/topics/<name>                 TopicRecord; topic id = its create revision
//   <prefix>/partitions/<name>/<partition> PartitionState
//
// Thread-safe (immutable).
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace eventlog::cluster {

class ClusterKeys {
 public:
  // `prefix` without a trailing slash ("/eventlog").
  explicit ClusterKeys(std::string prefix);

  // Everything of the cluster: what a broker mirrors.
  std::string Root() const { return prefix_ + "/"; }
  std::string Cluster() const { return prefix_ + "/cluster"; }
  std::string Controller() const { return prefix_ + "/controller"; }
  std::string BrokersPrefix() const { return prefix_ + "/brokers/"; }
  std::string Broker(int32_t id) const;
  std::string TopicsPrefix() const { return prefix_ + "/topics/"; }
  std::string Topic(absl::string_view name) const;
  std::string PartitionsPrefix(absl::string_view topic) const;
  std::string Partition(absl::string_view topic, int32_t partition) const;

  // What a key under Root() names.
  struct Parsed {
    enum class Kind { kUnknown, kCluster, kController, kBroker, kTopic, kPartition };
    Kind kind = Kind::kUnknown;
    int32_t broker = 0;     // kBroker
    std::string topic;      // kTopic, kPartition
    int32_t partition = 0;  // kPartition
  };
  Parsed Parse(absl::string_view key) const;

 private:
  const std::string prefix_;
};

}  // namespace eventlog::cluster

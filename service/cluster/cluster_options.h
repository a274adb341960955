// ClusterOptions: how a broker joins a cluster (eventlogd's --cluster_*
// flags, --broker_id, --advertise). Plain data.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace eventlog::cluster {

struct ClusterOptions {
  // etcd members, "HOST:PORT,HOST:PORT" (--cluster_etcd); empty: a single
  // broker, no cluster.
  std::string etcd_endpoints;
  // Every key of the cluster lives under it (--cluster_prefix), so several
  // clusters may share one etcd.
  std::string prefix = "/eventlog";
  int32_t broker_id = 0;
  // TTL of the broker's lease and of the controller's: how long a dead
  // broker still counts as live, and a dead controller as controller.
  int64_t lease_ttl_seconds = 5;
  // Partitions of __consumer_offsets, fixed when the cluster is created.
  int32_t offsets_topic_partitions = 12;
  // Replicas of each __consumer_offsets partition, clamped to the live
  // brokers when the topic is created (--offsets_topic_replication_factor;
  // Kafka's offsets.topic.replication.factor).
  int32_t offsets_topic_replication_factor = 3;
  // A follower not caught up to its leader's log end for this long leaves
  // the partition's ISR (--replica_lag_time_max_ms; docs/CLUSTER.md).
  int64_t replica_lag_time_max_ms = 10000;
  // ACKS_ALL to a replicated partition needs this many in-sync replicas
  // (--min_insync_replicas).
  int32_t min_insync_replicas = 1;
  // Deadline of each etcd call.
  absl::Duration etcd_call_timeout = absl::Seconds(5);
};

}  // namespace eventlog::cluster

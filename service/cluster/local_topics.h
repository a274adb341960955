// LocalTopics: keeps a broker's store in line with the cluster's topics
// (docs/CLUSTER.md). Every broker holds every topic locally, under the
// topic's cluster-wide id, with a log per partition; it reads and appends
// only the partitions it leads, so the logs of the others stay empty. Topics
// that the cluster no longer has (deleted, maybe while this broker was down)
// or has under another id (deleted and created again) are deleted locally,
// with their data.
//
// Thread-safe (the store is); MetadataView calls Apply from one thread.
#pragma once

#include "service/cluster/cluster_state.h"
#include "storage/store.h"

namespace eventlog::cluster {

class LocalTopics {
 public:
  // `store` must outlive this object.
  explicit LocalTopics(storage::Store* store) : store_(store) {}

  // Creates and deletes local topics so that the store matches `state`.
  // Failures are reported on stderr and retried at the next call.
  void Apply(const ClusterState& state);

 private:
  storage::Store* const store_;
};

}  // namespace eventlog::cluster

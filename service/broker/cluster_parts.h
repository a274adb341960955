// ClusterParts: what a broker in a cluster adds to the core (docs/CLUSTER.md):
// the router that says which partitions it leads, the transport to the other
// brokers, and the committed-offset store of the consumer groups it
// coordinates (the internal offsets topic). All null on a single broker,
// which then serves every partition itself and keeps committed offsets in
// its store's OffsetStore.
#pragma once

#include <cstdint>

#include "service/broker/partition_router.h"
#include "service/broker/remote_partitions.h"
#include "storage/offset_store.h"

namespace eventlog::broker {

struct ClusterParts {
  // Not owned; each must outlive the broker.
  const PartitionRouter* router = nullptr;
  RemotePartitions* remote = nullptr;
  storage::OffsetStore* offsets = nullptr;

  bool clustered() const { return router != nullptr; }
};

}  // namespace eventlog::broker

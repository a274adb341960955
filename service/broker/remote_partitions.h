// RemotePartitions: how the broker core reaches partitions that other
// brokers lead (docs/CLUSTER.md): it forwards a produce request's records
// for such a partition to its leader, and reads such a partition for a
// subscription through a PartitionFeed. Implemented by the transport
// (service/server), which owns the connections to the other brokers; absent
// on a single broker.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "service/broker/partition_feed.h"
#include "service/broker/partition_route.h"
#include "service/broker/produce_session.h"
#include "service/broker/produce_types.h"
#include "service/broker/start_position.h"

namespace eventlog::broker {

struct FeedRequest {
  std::string topic;
  int32_t partition = 0;
  // kEarliest, kLatest, kOffset, kTimestamp, or kCommitted (`committed` if
  // it lies in the log, else `reset_to`), resolved by the leader.
  StartPosition start;
  int32_t max_batch_records = 0;
};

class RemotePartitions {
 public:
  virtual ~RemotePartitions() = default;

  // Appends `request` (its partition set; its records all go there) on the
  // leader `route` names (kRemote). `done` runs once, on any thread, with
  // the leader's offsets or its error (UNAVAILABLE if it cannot be
  // reached). The request's views need to live only during the call.
  virtual void Produce(const PartitionRoute& route, const ProduceRequest& request,
                       ProduceCallback done) = 0;

  // A session for a client's produce stream (see ProduceSession).
  virtual std::unique_ptr<ProduceSession> NewProduceSession() = 0;

  // Starts reading the partition from its leader, now or once it has one.
  // `notify` runs (on any thread, never after the feed is destroyed) when
  // Take() or started() may have changed; it must not block.
  virtual std::unique_ptr<PartitionFeed> OpenFeed(const FeedRequest& request,
                                                  absl::AnyInvocable<void()> notify) = 0;
};

}  // namespace eventlog::broker

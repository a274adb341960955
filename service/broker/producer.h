// Producer: validates a produce request as a whole, routes its records to
// partitions (explicit partition, murmur2 of the key, or one round-robin
// partition for the keyless ones), encodes each partition's records into one
// RecordBatchBuilder (timestamp 0 -> the store clock's append time) and
// appends them asynchronously. Nothing is appended unless the whole request
// is valid.
//
// In a cluster, partitions led by other brokers are forwarded to them
// (RemotePartitions) with their records, and their offsets joined with the
// local ones; nothing is appended anywhere if one partition of the request
// has no leader now.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "service/broker/broker_metrics.h"
#include "service/broker/broker_options.h"
#include "service/broker/cluster_parts.h"
#include "service/broker/partitioner.h"
#include "service/broker/produce_completion.h"
#include "service/broker/produce_types.h"
#include "storage/store.h"

namespace eventlog::broker {

class Producer {
 public:
  // `store`, `partitioner`, `metrics` (null: nothing counted) and the parts
  // of `cluster` must outlive this object.
  Producer(storage::Store* store, Partitioner* partitioner, const BrokerOptions& options,
           BrokerMetrics* metrics = nullptr, const ClusterParts& cluster = {})
      : store_(store),
        partitioner_(partitioner),
        options_(options),
        metrics_(metrics),
        cluster_(cluster) {}

  // Runs `done` exactly once: with the offsets per partition after the
  // appends meet the request's durability, or with the error. May run it
  // inline (validation errors always do). Errors: INVALID_ARGUMENT (name, no
  // records, negative partition or timestamp), NOT_FOUND (topic, partition),
  // RESOURCE_EXHAUSTED (a record above max_message_bytes, a request above
  // max_request_bytes), and the storage's append errors; in a cluster,
  // UNAVAILABLE for a partition without a leader, or led elsewhere when the
  // request was forwarded (naming the leader), and the leaders' errors.
  void Produce(const ProduceRequest& request, ProduceCallback done);

 private:
  // Sends the request's `records` for `partition` to its leader.
  void ForwardTo(const PartitionRoute& route, const ProduceRequest& request, int32_t partition,
                 const std::vector<size_t>& records,
                 const std::shared_ptr<ProduceCompletion>& completion);

  storage::Store* const store_;
  Partitioner* const partitioner_;
  const BrokerOptions options_;
  BrokerMetrics* const metrics_;
  const ClusterParts cluster_;
};

}  // namespace eventlog::broker

// Producer: validates a produce request as a whole, routes its records to
// partitions (explicit partition, murmur2 of the key, or one round-robin
// partition for the keyless ones), encodes each partition's records into one
// RecordBatchBuilder (timestamp 0 -> the store clock's append time) and
// appends them asynchronously. Nothing is appended unless the whole request
// is valid.
//
// Thread-safe.
#pragma once

#include "service/broker/broker_metrics.h"
#include "service/broker/broker_options.h"
#include "service/broker/partitioner.h"
#include "service/broker/produce_types.h"
#include "storage/store.h"

namespace eventlog::broker {

class Producer {
 public:
  // `store`, `partitioner` and `metrics` (null: nothing counted) must
  // outlive this object.
  Producer(storage::Store* store, Partitioner* partitioner, const BrokerOptions& options,
           BrokerMetrics* metrics = nullptr)
      : store_(store), partitioner_(partitioner), options_(options), metrics_(metrics) {}

  // Runs `done` exactly once: with the offsets per partition after the
  // appends meet the request's durability, or with the error. May run it
  // inline (validation errors always do). Errors: INVALID_ARGUMENT (name, no
  // records, negative partition or timestamp), NOT_FOUND (topic, partition),
  // RESOURCE_EXHAUSTED (a record above max_message_bytes, a request above
  // max_request_bytes), and the storage's append errors.
  void Produce(const ProduceRequest& request, ProduceCallback done);

 private:
  storage::Store* const store_;
  Partitioner* const partitioner_;
  const BrokerOptions options_;
  BrokerMetrics* const metrics_;
};

}  // namespace eventlog::broker

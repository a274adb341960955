// BatchProducer: appends a record batch a producer built itself (a Kafka
// client's RecordBatch v2) to one partition without re-encoding it: the
// batch is validated whole (header, checksum, codec, every record, after a
// bounded decompression), its records checked against the topic's
// max_message_bytes and timestamp bounds, and written as it came (a
// LOG_APPEND_TIME topic only rewrites the header's timestamp). The
// partition log assigns the offsets and checks an idempotent producer's
// sequence (storage ProducerState).
//
// Thread-safe.
#pragma once

#include "service/broker/broker_options.h"
#include "service/broker/produce_types.h"
#include "storage/store.h"

namespace eventlog::broker {

class BatchProducer {
 public:
  // `store` must outlive this object.
  BatchProducer(storage::Store* store, const BrokerOptions& options)
      : store_(store), options_(options) {}

  // Runs `done` exactly once (maybe inline) after the append met the
  // request's durability, or with the error: INVALID_ARGUMENT (name,
  // partition; a malformed batch with reason kCorruptRecord; a timestamp
  // out of bounds with reason kInvalidTimestamp), NOT_FOUND (topic,
  // partition), RESOURCE_EXHAUSTED (a record above max_message_bytes with
  // reason kRecordTooLarge, a batch above max_request_bytes, a
  // decompression bomb), FAILED_PRECONDITION (an idempotent producer's
  // sequence gap or stale epoch; see PartitionLog::AppendAsync), and the
  // storage's append errors.
  void Append(BatchAppendRequest request, BatchAppendCallback done);

 private:
  storage::Store* const store_;
  const BrokerOptions options_;
};

}  // namespace eventlog::broker

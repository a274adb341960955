#include "service/kafka/protocol/fetch.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void FetchRequest::Serde(Io& io, int16_t version) {
  io.Int32(replica_id);
  io.Int32(max_wait_ms);
  io.Int32(min_bytes);
  if (version >= 3) io.Int32(max_bytes);
  if (version >= 4) io.Int8(isolation_level);
  if (version >= 7) {
    io.Int32(session_id);
    io.Int32(session_epoch);
  }
  io.Array(topics, [&](Topic& topic) {
    io.String(topic.topic);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int32(partition.partition);
      if (version >= 9) io.Int32(partition.current_leader_epoch);
      io.Int64(partition.fetch_offset);
      if (version >= 5) io.Int64(partition.log_start_offset);
      io.Int32(partition.partition_max_bytes);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  if (version >= 7) {
    io.Array(forgotten_topics_data, [&](ForgottenTopic& topic) {
      io.String(topic.topic);
      Int32Array(io, topic.partitions);
      io.TaggedFields();
    });
  }
  if (version >= 11) io.String(rack_id);
  io.TaggedFields();
}

template <typename Io>
void FetchResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  if (version >= 7) {
    io.Int16(error_code);
    io.Int32(session_id);
  }
  io.Array(responses, [&](Topic& topic) {
    io.String(topic.topic);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int32(partition.partition_index);
      io.Int16(partition.error_code);
      io.Int64(partition.high_watermark);
      if (version >= 4) io.Int64(partition.last_stable_offset);
      if (version >= 5) io.Int64(partition.log_start_offset);
      if (version >= 4) {
        io.NullableArray(partition.aborted_transactions, [&](AbortedTransaction& aborted) {
          io.Int64(aborted.producer_id);
          io.Int64(aborted.first_offset);
          io.TaggedFields();
        });
      }
      if (version >= 11) io.Int32(partition.preferred_read_replica);
      io.NullableBytes(partition.records);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(FetchRequest);
EVENTLOG_KAFKA_SERDE(FetchResponse);

}  // namespace eventlog::kafka

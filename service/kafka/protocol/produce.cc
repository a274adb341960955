#include "service/kafka/protocol/produce.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void ProduceRequest::Serde(Io& io, int16_t version) {
  if (version >= 3) io.NullableString(transactional_id);
  io.Int16(acks);
  io.Int32(timeout_ms);
  io.Array(topic_data, [&](TopicData& topic) {
    io.String(topic.name);
    io.Array(topic.partition_data, [&](PartitionData& partition) {
      io.Int32(partition.index);
      io.NullableBytes(partition.records);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.TaggedFields();
}

template <typename Io>
void ProduceResponse::Serde(Io& io, int16_t version) {
  io.Array(responses, [&](TopicResponse& topic) {
    io.String(topic.name);
    io.Array(topic.partition_responses, [&](PartitionResponse& partition) {
      io.Int32(partition.index);
      io.Int16(partition.error_code);
      io.Int64(partition.base_offset);
      if (version >= 2) io.Int64(partition.log_append_time_ms);
      if (version >= 5) io.Int64(partition.log_start_offset);
      if (version >= 8) {
        io.Array(partition.record_errors, [&](RecordError& error) {
          io.Int32(error.batch_index);
          io.NullableString(error.batch_index_error_message);
          io.TaggedFields();
        });
        io.NullableString(partition.error_message);
      }
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  if (version >= 1) io.Int32(throttle_time_ms);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(ProduceRequest);
EVENTLOG_KAFKA_SERDE(ProduceResponse);

}  // namespace eventlog::kafka

#include "service/kafka/protocol/create_topics.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void CreateTopicsRequest::Serde(Io& io, int16_t version) {
  io.Array(topics, [&](Topic& topic) {
    io.String(topic.name);
    io.Int32(topic.num_partitions);
    io.Int16(topic.replication_factor);
    io.Array(topic.assignments, [&](Assignment& assignment) {
      io.Int32(assignment.partition_index);
      Int32Array(io, assignment.broker_ids);
      io.TaggedFields();
    });
    io.Array(topic.configs, [&](Config& config) {
      io.String(config.name);
      io.NullableString(config.value);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.Int32(timeout_ms);
  if (version >= 1) io.Bool(validate_only);
  io.TaggedFields();
}

template <typename Io>
void CreateTopicsResponse::Serde(Io& io, int16_t version) {
  if (version >= 2) io.Int32(throttle_time_ms);
  io.Array(topics, [&](Result& result) {
    io.String(result.name);
    io.Int16(result.error_code);
    if (version >= 1) io.NullableString(result.error_message);
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(CreateTopicsRequest);
EVENTLOG_KAFKA_SERDE(CreateTopicsResponse);

}  // namespace eventlog::kafka

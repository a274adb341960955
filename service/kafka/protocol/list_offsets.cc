#include "service/kafka/protocol/list_offsets.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void ListOffsetsRequest::Serde(Io& io, int16_t version) {
  io.Int32(replica_id);
  if (version >= 2) io.Int8(isolation_level);
  io.Array(topics, [&](Topic& topic) {
    io.String(topic.name);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int32(partition.partition_index);
      if (version >= 4) io.Int32(partition.current_leader_epoch);
      io.Int64(partition.timestamp);
      if (version == 0) io.Int32(partition.max_num_offsets);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.TaggedFields();
}

template <typename Io>
void ListOffsetsResponse::Serde(Io& io, int16_t version) {
  if (version >= 2) io.Int32(throttle_time_ms);
  io.Array(topics, [&](Topic& topic) {
    io.String(topic.name);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int32(partition.partition_index);
      io.Int16(partition.error_code);
      if (version == 0) {
        Int64Array(io, partition.old_style_offsets);
      } else {
        io.Int64(partition.timestamp);
        io.Int64(partition.offset);
      }
      if (version >= 4) io.Int32(partition.leader_epoch);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(ListOffsetsRequest);
EVENTLOG_KAFKA_SERDE(ListOffsetsResponse);

}  // namespace eventlog::kafka

#include "service/kafka/protocol/offset_commit.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void OffsetCommitRequest::Serde(Io& io, int16_t version) {
  io.String(group_id);
  if (version >= 1) {
    io.Int32(generation_id);
    io.String(member_id);
  }
  if (version >= 7) io.NullableString(group_instance_id);
  if (version >= 2 && version <= 4) io.Int64(retention_time_ms);
  io.Array(topics, [&](Topic& topic) {
    io.String(topic.name);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int32(partition.partition_index);
      io.Int64(partition.committed_offset);
      if (version >= 6) io.Int32(partition.committed_leader_epoch);
      if (version == 1) io.Int64(partition.commit_timestamp);
      io.NullableString(partition.committed_metadata);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.TaggedFields();
}

template <typename Io>
void OffsetCommitResponse::Serde(Io& io, int16_t version) {
  if (version >= 3) io.Int32(throttle_time_ms);
  io.Array(topics, [&](Topic& topic) {
    io.String(topic.name);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int32(partition.partition_index);
      io.Int16(partition.error_code);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(OffsetCommitRequest);
EVENTLOG_KAFKA_SERDE(OffsetCommitResponse);

}  // namespace eventlog::kafka

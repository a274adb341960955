#include "service/kafka/protocol/offset_fetch.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void OffsetFetchRequest::Serde(Io& io, int16_t version) {
  io.String(group_id);
  auto topic = [&](Topic& t) {
    io.String(t.name);
    Int32Array(io, t.partition_indexes);
    io.TaggedFields();
  };
  if (version >= 2) {
    io.NullableArray(topics, topic);
  } else {
    // v0 and v1 have no null array (and no "all partitions").
    std::vector<Topic> list = topics.value_or(std::vector<Topic>{});
    io.Array(list, topic);
    if constexpr (Io::kReading) topics = std::move(list);
  }
  if (version >= 7) io.Bool(require_stable);
  io.TaggedFields();
}

template <typename Io>
void OffsetFetchResponse::Serde(Io& io, int16_t version) {
  if (version >= 3) io.Int32(throttle_time_ms);
  io.Array(topics, [&](Topic& topic) {
    io.String(topic.name);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int32(partition.partition_index);
      io.Int64(partition.committed_offset);
      if (version >= 5) io.Int32(partition.committed_leader_epoch);
      io.NullableString(partition.metadata);
      io.Int16(partition.error_code);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  if (version >= 2) io.Int16(error_code);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(OffsetFetchRequest);
EVENTLOG_KAFKA_SERDE(OffsetFetchResponse);

}  // namespace eventlog::kafka

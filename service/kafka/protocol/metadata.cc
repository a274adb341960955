#include "service/kafka/protocol/metadata.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void MetadataRequest::Serde(Io& io, int16_t version) {
  auto topic = [&](std::string& name) {
    io.String(name);
    io.TaggedFields();
  };
  if (version >= 1) {
    io.NullableArray(topics, topic);
  } else {
    // v0 has no null array: empty means every topic.
    std::vector<std::string> names = topics.value_or(std::vector<std::string>{});
    io.Array(names, topic);
    if constexpr (Io::kReading) {
      if (names.empty()) {
        topics.reset();
      } else {
        topics = std::move(names);
      }
    }
  }
  if (version >= 4) io.Bool(allow_auto_topic_creation);
  io.TaggedFields();
}

template <typename Io>
void MetadataResponse::Serde(Io& io, int16_t version) {
  if (version >= 3) io.Int32(throttle_time_ms);
  io.Array(brokers, [&](Broker& broker) {
    io.Int32(broker.node_id);
    io.String(broker.host);
    io.Int32(broker.port);
    if (version >= 1) io.NullableString(broker.rack);
    io.TaggedFields();
  });
  if (version >= 2) io.NullableString(cluster_id);
  if (version >= 1) io.Int32(controller_id);
  io.Array(topics, [&](Topic& topic) {
    io.Int16(topic.error_code);
    io.String(topic.name);
    if (version >= 1) io.Bool(topic.is_internal);
    io.Array(topic.partitions, [&](Partition& partition) {
      io.Int16(partition.error_code);
      io.Int32(partition.partition_index);
      io.Int32(partition.leader_id);
      Int32Array(io, partition.replica_nodes);
      Int32Array(io, partition.isr_nodes);
      if (version >= 5) Int32Array(io, partition.offline_replicas);
      io.TaggedFields();
    });
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(MetadataRequest);
EVENTLOG_KAFKA_SERDE(MetadataResponse);

}  // namespace eventlog::kafka

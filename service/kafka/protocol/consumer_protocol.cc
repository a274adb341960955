#include "service/kafka/protocol/consumer_protocol.h"

#include <optional>

#include "service/kafka/protocol/kafka_reader.h"
#include "service/kafka/protocol/kafka_writer.h"
#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

absl::StatusOr<std::vector<std::string>> DecodeConsumerSubscription(absl::string_view metadata) {
  KafkaReader reader(metadata, /*flexible=*/false);
  int16_t version = 0;
  std::vector<std::string> topics;
  reader.Int16(version);
  StringArray(reader, topics);
  if (!reader.ok()) return reader.status();
  if (version < 0) return absl::InvalidArgumentError("negative consumer protocol version");
  return topics;
}

absl::StatusOr<std::vector<ConsumerTopicPartitions>> DecodeConsumerAssignment(
    absl::string_view assignment) {
  std::vector<ConsumerTopicPartitions> partitions;
  if (assignment.empty()) return partitions;
  KafkaReader reader(assignment, /*flexible=*/false);
  int16_t version = 0;
  reader.Int16(version);
  reader.Array(partitions, [&](ConsumerTopicPartitions& topic) {
    reader.String(topic.topic);
    Int32Array(reader, topic.partitions);
  });
  if (!reader.ok()) return reader.status();
  if (version < 0) return absl::InvalidArgumentError("negative consumer protocol version");
  return partitions;
}

std::string EncodeConsumerAssignment(const std::vector<ConsumerTopicPartitions>& partitions) {
  std::string out;
  KafkaWriter writer(&out, /*flexible=*/false);
  int16_t version = 0;
  writer.Int16(version);
  std::vector<ConsumerTopicPartitions> copy = partitions;
  writer.Array(copy, [&](ConsumerTopicPartitions& topic) {
    writer.String(topic.topic);
    Int32Array(writer, topic.partitions);
  });
  std::optional<std::string> user_data;
  writer.NullableBytes(user_data);
  return out;
}

std::string EncodeConsumerSubscription(const std::vector<std::string>& topics) {
  std::string out;
  KafkaWriter writer(&out, /*flexible=*/false);
  int16_t version = 0;
  writer.Int16(version);
  std::vector<std::string> copy = topics;
  StringArray(writer, copy);
  std::optional<std::string> user_data;
  writer.NullableBytes(user_data);
  return out;
}

}  // namespace eventlog::kafka

#include "service/kafka/handler/list_offsets_api.h"

#include "service/kafka/handler/kafka_error_mapping.h"

namespace eventlog::kafka {
namespace {

using security::Operation;
using security::ResourceType;

// Answers one partition into `out` (offset, and timestamp for by-time).
void ListOne(const KafkaHandlerEnv& env, const std::string& topic,
             const ListOffsetsRequest::Partition& partition, ListOffsetsResponse::Partition* out) {
  broker::ListOffsetsRequest list;
  list.topic = topic;
  list.partitions = {partition.partition_index};
  const bool by_time = partition.timestamp >= 0;
  if (partition.timestamp == ListOffsetsRequest::kEarliestTimestamp) {
    list.position = broker::StartPosition::Of(broker::StartPosition::Kind::kEarliest);
  } else if (partition.timestamp == ListOffsetsRequest::kLatestTimestamp) {
    list.position = broker::StartPosition::Of(broker::StartPosition::Kind::kLatest);
  } else if (by_time) {
    list.position = broker::StartPosition::AtTimestamp(partition.timestamp);
  } else {
    out->error_code = Wire(ErrorCode::kInvalidRequest);  // e.g. -3 (max timestamp, KIP-734)
    return;
  }
  absl::StatusOr<std::vector<broker::PartitionOffset>> offsets = env.broker->ListOffsets(list);
  if (!offsets.ok() || offsets->empty()) {
    out->error_code = KafkaErrorOf(offsets.status(), CallKind::kRead);
    return;
  }
  out->offset = offsets->front().offset;
  if (!by_time) return;
  // The record found, for its timestamp; none (the high watermark): -1.
  absl::StatusOr<broker::FetchResult> record = env.broker->Fetch(
      broker::FetchRequest{topic, partition.partition_index, out->offset, 1, 1 << 20, 0});
  if (record.ok() && !record->read.records.empty()) {
    out->offset = record->read.records.front().offset;
    out->timestamp = record->read.records.front().timestamp_ms;
  } else {
    out->offset = -1;
  }
}

}  // namespace

ListOffsetsResponse HandleListOffsets(const KafkaHandlerEnv& env, const std::string& principal,
                                      const ListOffsetsRequest& request, int16_t version) {
  ListOffsetsResponse response;
  for (const ListOffsetsRequest::Topic& topic : request.topics) {
    ListOffsetsResponse::Topic& out = response.topics.emplace_back();
    out.name = topic.name;
    const bool allowed =
        env.access->Allows(principal, Operation::kRead, ResourceType::kTopic, topic.name);
    for (const ListOffsetsRequest::Partition& partition : topic.partitions) {
      ListOffsetsResponse::Partition& result = out.partitions.emplace_back();
      result.partition_index = partition.partition_index;
      if (!allowed) {
        result.error_code = Wire(ErrorCode::kTopicAuthorizationFailed);
      } else if (env.view->Leader(topic.name, partition.partition_index) != env.view->node_id()) {
        result.error_code = Wire(ErrorCode::kNotLeaderOrFollower);
      } else {
        ListOne(env, topic.name, partition, &result);
      }
      if (version == 0 && result.error_code == 0) result.old_style_offsets = {result.offset};
    }
  }
  return response;
}

}  // namespace eventlog::kafka

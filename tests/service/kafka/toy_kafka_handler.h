// ToyKafkaHandler: a test-only KafkaRequestHandler. Metadata advertises one
// broker (node 1 at 127.0.0.1:<port>, the controller) and a fixed topic list
// ("orders" with 3 partitions, "payments" with 1). Produce appends to an
// in-memory ToyPartitionLog per partition, which ListOffsets and Fetch (no
// long poll) read; InitProducerId hands out producer id 4000;
// FindCoordinator names node 1 and the group APIs go to ToyGroups;
// CreateTopics succeeds except for the fixed topics (TOPIC_ALREADY_EXISTS)
// and DeleteTopics always does (neither changes the list). Heartbeats are
// answered at once or, after park_heartbeats(), parked until the test
// releases them (so completions can come out of order). Every other API
// gets its default response. It records what it saw.
//
// Thread-safe.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "service/kafka/kafka_request_handler.h"
#include "service/kafka/protocol/error_code.h"
#include "tests/service/kafka/toy_groups.h"
#include "tests/service/kafka/toy_partition_log.h"

namespace eventlog::kafka::testing {

struct SeenRequest {
  ApiKey key;
  int16_t version;
  std::string principal;
  std::string client_id;
};

class ToyKafkaHandler : public KafkaRequestHandler {
 public:
  void set_port(int port) {
    absl::MutexLock lock(&mu_);
    port_ = port;
  }

  void Handle(const KafkaConnectionContext& context, const RequestHeader& header,
              KafkaRequest request, KafkaResponseCallback done) override {
    absl::MutexLock lock(&mu_);
    seen_.push_back(
        {ApiKeyOf(request), header.api_version, context.principal, context.client_id.value_or("")});
    if (std::holds_alternative<MetadataRequest>(request)) {
      return std::move(done)(Metadata(std::get<MetadataRequest>(request)));
    }
    if (std::holds_alternative<HeartbeatRequest>(request) && park_heartbeats_) {
      parked_.push_back(std::move(done));
      return;
    }
    if (const auto* produce = std::get_if<ProduceRequest>(&request)) {
      last_records_ = produce->topic_data.empty() || produce->topic_data[0].partition_data.empty()
                          ? ""
                          : produce->topic_data[0].partition_data[0].records.value_or("");
      return std::move(done)(Produce(*produce));
    }
    if (const auto* list = std::get_if<ListOffsetsRequest>(&request)) {
      return std::move(done)(ListOffsets(*list));
    }
    if (const auto* fetch = std::get_if<FetchRequest>(&request)) {
      return std::move(done)(Fetch(*fetch));
    }
    if (std::holds_alternative<FindCoordinatorRequest>(request)) {
      FindCoordinatorResponse response;
      response.node_id = 1;
      response.host = "127.0.0.1";
      response.port = port_;
      return std::move(done)(std::move(response));
    }
    if (const auto* join = std::get_if<JoinGroupRequest>(&request)) {
      return std::move(done)(groups_.Join(*join));
    }
    if (const auto* sync = std::get_if<SyncGroupRequest>(&request)) {
      return std::move(done)(groups_.Sync(*sync));
    }
    if (const auto* commit = std::get_if<OffsetCommitRequest>(&request)) {
      return std::move(done)(groups_.Commit(*commit));
    }
    if (const auto* fetch = std::get_if<OffsetFetchRequest>(&request)) {
      return std::move(done)(groups_.Fetch(*fetch));
    }
    if (std::holds_alternative<ListGroupsRequest>(request)) return std::move(done)(groups_.List());
    if (const auto* describe = std::get_if<DescribeGroupsRequest>(&request)) {
      return std::move(done)(groups_.Describe(*describe));
    }
    if (const auto* create = std::get_if<CreateTopicsRequest>(&request)) {
      CreateTopicsResponse response;
      for (const auto& topic : create->topics) {
        const bool exists = topic.name == "orders" || topic.name == "payments";
        response.topics.push_back(
            {topic.name, Wire(exists ? ErrorCode::kTopicAlreadyExists : ErrorCode::kNone),
             exists ? std::optional<std::string>("topic exists") : std::nullopt});
      }
      return std::move(done)(std::move(response));
    }
    if (const auto* remove = std::get_if<DeleteTopicsRequest>(&request)) {
      DeleteTopicsResponse response;
      for (const std::string& name : remove->topic_names) response.responses.push_back({name, 0});
      return std::move(done)(std::move(response));
    }
    if (std::holds_alternative<InitProducerIdRequest>(request)) {
      InitProducerIdResponse response;
      response.producer_id = 4000;
      response.producer_epoch = 0;
      return std::move(done)(std::move(response));
    }
    std::move(done)(EmptyResponseFor(ApiKeyOf(request)));
  }

  void park_heartbeats() {
    absl::MutexLock lock(&mu_);
    park_heartbeats_ = true;
  }

  // Completes the parked Heartbeats, newest first; returns how many.
  size_t ReleaseHeartbeatsNewestFirst() {
    std::vector<KafkaResponseCallback> parked;
    {
      absl::MutexLock lock(&mu_);
      parked.swap(parked_);
    }
    for (auto it = parked.rbegin(); it != parked.rend(); ++it) {
      std::move (*it)(HeartbeatResponse{});
    }
    return parked.size();
  }

  size_t parked() {
    absl::MutexLock lock(&mu_);
    return parked_.size();
  }

  // The batches produced to (topic, partition), in order.
  std::vector<ToyPartitionLog::Batch> batches(const std::string& topic, int32_t partition) {
    absl::MutexLock lock(&mu_);
    return logs_[{topic, partition}].batches();
  }

  int64_t committed(const std::string& group, const std::string& topic, int32_t partition) {
    absl::MutexLock lock(&mu_);
    return groups_.Committed(group, topic, partition);
  }

  // The records of the first partition of the latest Produce, as received.
  std::string last_records() {
    absl::MutexLock lock(&mu_);
    return last_records_;
  }

  std::vector<SeenRequest> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  ProduceResponse Produce(const ProduceRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ProduceResponse response;
    for (const auto& topic : request.topic_data) {
      auto& out = response.responses.emplace_back();
      out.name = topic.name;
      for (const auto& partition : topic.partition_data) {
        auto& result = out.partition_responses.emplace_back();
        result.index = partition.index;
        result.log_start_offset = 0;
        absl::StatusOr<int64_t> base =
            logs_[{topic.name, partition.index}].Append(partition.records.value_or(""));
        if (base.ok()) {
          result.base_offset = *base;
        } else {
          result.error_code = Wire(ErrorCode::kCorruptMessage);
          result.error_message = std::string(base.status().message());
        }
      }
    }
    return response;
  }

  ListOffsetsResponse ListOffsets(const ListOffsetsRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ListOffsetsResponse response;
    for (const auto& topic : request.topics) {
      auto& out = response.topics.emplace_back();
      out.name = topic.name;
      for (const auto& partition : topic.partitions) {
        auto& result = out.partitions.emplace_back();
        result.partition_index = partition.partition_index;
        const int64_t end = logs_[{topic.name, partition.partition_index}].end_offset();
        result.offset = partition.timestamp == ListOffsetsRequest::kEarliestTimestamp ? 0 : end;
        result.old_style_offsets = {result.offset};
      }
    }
    return response;
  }

  FetchResponse Fetch(const FetchRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    FetchResponse response;
    for (const auto& topic : request.topics) {
      auto& out = response.responses.emplace_back();
      out.topic = topic.topic;
      for (const auto& partition : topic.partitions) {
        auto& result = out.partitions.emplace_back();
        result.partition_index = partition.partition;
        const ToyPartitionLog& log = logs_[{topic.topic, partition.partition}];
        result.high_watermark = log.end_offset();
        result.last_stable_offset = log.end_offset();
        result.log_start_offset = 0;
        result.records = log.ReadFrom(partition.fetch_offset);
      }
    }
    return response;
  }

  MetadataResponse Metadata(const MetadataRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    MetadataResponse response;
    response.brokers.push_back({1, "127.0.0.1", port_, std::nullopt});
    response.cluster_id = "toy-cluster";
    response.controller_id = 1;
    const std::vector<std::pair<std::string, int>> all = {{"orders", 3}, {"payments", 1}};
    for (const auto& [name, partitions] : all) {
      if (request.topics.has_value() && std::find(request.topics->begin(), request.topics->end(),
                                                  name) == request.topics->end()) {
        continue;
      }
      MetadataResponse::Topic& topic = response.topics.emplace_back();
      topic.name = name;
      for (int p = 0; p < partitions; ++p) {
        topic.partitions.push_back({0, p, 1, {1}, {1}, {}});
      }
    }
    return response;
  }

  absl::Mutex mu_;
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  bool park_heartbeats_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_records_ ABSL_GUARDED_BY(mu_);
  std::vector<SeenRequest> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<KafkaResponseCallback> parked_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::pair<std::string, int32_t>, ToyPartitionLog> logs_ ABSL_GUARDED_BY(mu_);
  ToyGroups groups_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::kafka::testing

// ToyKafkaHandler: a test-only KafkaRequestHandler. Metadata advertises one
// broker (node 1 at 127.0.0.1:<port>, the controller) and a fixed topic list
// ("orders" with 3 partitions, "payments" with 1); Heartbeat requests are
// parked until the test releases them (so completions can come out of
// order); Produce is acknowledged at offset 0; every other API gets its
// default response. It records what it saw.
//
// Thread-safe.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "service/kafka/kafka_request_handler.h"

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
    if (std::holds_alternative<HeartbeatRequest>(request)) {
      parked_.push_back(std::move(done));
      return;
    }
    if (const auto* produce = std::get_if<ProduceRequest>(&request)) {
      ProduceResponse response;
      for (const auto& topic : produce->topic_data) {
        auto& out = response.responses.emplace_back();
        out.name = topic.name;
        for (const auto& partition : topic.partition_data) {
          out.partition_responses.push_back({partition.index, 0, 0, -1, 0, {}, std::nullopt});
        }
      }
      return std::move(done)(std::move(response));
    }
    // Default-constructed response of the request's API.
    std::move(done)(EmptyResponseFor(ApiKeyOf(request)));
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

  std::vector<SeenRequest> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
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
  std::vector<SeenRequest> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<KafkaResponseCallback> parked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::kafka::testing

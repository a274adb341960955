// RecordingKafkaHandler: a test-only KafkaRequestHandler for the listener's
// own tests (framing, order, SASL), where the broker does not matter. It
// records what it saw (API, version, principal, client id), answers
// Metadata with one broker (node 1 at 127.0.0.1:<port>) and one topic,
// keeps the records of the latest Produce, parks Heartbeats after
// park_heartbeats() until the test releases them (so completions can come
// out of order), and gives every other API its default response. The real
// broker's handler is tested in tests/service/kafka/handler/ and e2e/.
//
// Thread-safe.
#pragma once

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

class RecordingKafkaHandler : public KafkaRequestHandler {
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
      MetadataResponse response;
      response.brokers.push_back({1, "127.0.0.1", port_, std::nullopt});
      response.cluster_id = "test-cluster";
      response.controller_id = 1;
      MetadataResponse::Topic& topic = response.topics.emplace_back();
      topic.name = "orders";
      topic.partitions.push_back({0, 0, 1, {1}, {1}, {}});
      return std::move(done)(std::move(response));
    }
    if (std::holds_alternative<HeartbeatRequest>(request) && park_heartbeats_) {
      parked_.push_back(std::move(done));
      return;
    }
    if (const auto* produce = std::get_if<ProduceRequest>(&request)) {
      last_records_ = produce->topic_data.empty() || produce->topic_data[0].partition_data.empty()
                          ? ""
                          : produce->topic_data[0].partition_data[0].records.value_or("");
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
  absl::Mutex mu_;
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  bool park_heartbeats_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_records_ ABSL_GUARDED_BY(mu_);
  std::vector<SeenRequest> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<KafkaResponseCallback> parked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::kafka::testing

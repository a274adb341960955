// KafkaBrokerWireTest: a real server (EventLogServer on 127.0.0.1:0, as
// eventlogd runs it) with its Kafka listener, a raw wire client on it, and
// helpers to build the batches and requests the tests send. Subclasses may
// change the server's options in Configure() before it starts.
//
// Not thread-safe (one test thread; the second connections a test opens
// are its own).
#pragma once

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "service/kafka/protocol/error_code.h"
#include "service/server/event_log_server.h"
#include "storage/format/record_batch_builder.h"
#include "storage/format/record_batch_format.h"
#include "storage/util/coding.h"
#include "tests/service/kafka/kafka_test_client.h"
#include "tests/test_util.h"

namespace eventlog::kafka::testing {

// A RecordBatch v2 of `count` records as a producer sends it (producer id
// -1: not idempotent).
inline std::string Batch(int count, int64_t pid = -1, int32_t sequence = -1,
                         absl::string_view prefix = "r") {
  storage::RecordBatchBuilder builder;
  for (int i = 0; i < count; ++i) {
    builder.Add("", absl::StrCat(prefix, i), {}, absl::ToUnixMillis(absl::Now()));
  }
  std::string bytes = builder.Seal();
  util::coding::PutBigEndian64(bytes.data() + 43, static_cast<uint64_t>(pid));
  util::coding::PutBigEndian16(bytes.data() + 51, static_cast<uint16_t>(pid < 0 ? -1 : 0));
  util::coding::PutBigEndian32(bytes.data() + 53, static_cast<uint32_t>(sequence));
  storage::format::SealBatch(bytes.data(), bytes.size());
  return bytes;
}

inline ProduceRequest Produce(const std::string& topic, std::string records, int16_t acks = -1) {
  ProduceRequest request;
  request.acks = acks;
  request.timeout_ms = 10000;
  request.topic_data.push_back({topic, {{0, std::move(records)}}});
  return request;
}

class KafkaBrokerWireTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  // Changes the options of every Start() (the data dir and addresses are
  // set already).
  virtual void Configure(service::ServerOptions& /*options*/) {}

  void Start() {
    service::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.store.data_dir = dir_.path();
    options.kafka.listen = "127.0.0.1:0";
    Configure(options);
    absl::StatusOr<std::unique_ptr<service::EventLogServer>> server =
        service::EventLogServer::Start(options);
    ASSERT_OK(server);
    server_ = *std::move(server);
    port_ = std::stoi(server_->kafka_address().substr(server_->kafka_address().rfind(':') + 1));
    client_ = std::make_unique<KafkaTestClient>(port_);
  }

  void Restart() {
    client_.reset();
    ASSERT_OK(server_->Shutdown());
    server_.reset();
    Start();
  }

  void CreateTopic(const std::string& name, int32_t partitions = 1,
                   broker::TopicConfigRequest config = {}) {
    broker::CreateTopicRequest create;
    create.name = name;
    create.partitions = partitions;
    create.config = config;
    ASSERT_OK(server_->broker().CreateTopic(create));
  }

  // Sends `request` at `version` and reads the answer.
  template <typename Response, typename Request>
  Response Call(const Request& request, int16_t version) {
    client_->Send(request, version, ++correlation_);
    int32_t correlation = 0;
    absl::StatusOr<Response> response = client_->Read<Response>(version, &correlation);
    EXPECT_OK(response);
    EXPECT_EQ(correlation, correlation_);
    return response.ok() ? *std::move(response) : Response{};
  }

  ProduceResponse::PartitionResponse ProduceOne(const std::string& topic, std::string records) {
    ProduceResponse response = Call<ProduceResponse>(Produce(topic, std::move(records)), 7);
    EXPECT_EQ(response.responses.size(), 1u);
    return response.responses.empty() ? ProduceResponse::PartitionResponse{}
                                      : response.responses[0].partition_responses[0];
  }

  int64_t LogEnd(const std::string& topic) {
    absl::StatusOr<broker::TopicInfo> info = server_->broker().DescribeTopic(topic);
    EXPECT_OK(info);
    return info.ok() ? info->partitions[0].log_end_offset : -1;
  }

  eventlog::testing::TempDir dir_;
  std::unique_ptr<service::EventLogServer> server_;
  int port_ = 0;
  std::unique_ptr<KafkaTestClient> client_;
  int32_t correlation_ = 0;
};

}  // namespace eventlog::kafka::testing

// ServiceFixture: an in-process eventlog server on 127.0.0.1:0 with its data
// in a temp dir, a real gRPC channel to it, and small helpers for the calls
// most tests make. RestartServer() reopens the same data dir.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "eventlog/v1/eventlog.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/server/event_log_server.h"
#include "storage/util/clock.h"
#include "tests/test_util.h"

namespace eventlog::service::testing {

namespace v1 = ::eventlog::v1;

// EXPECT_THAT(status, HasCode(grpc::StatusCode::NOT_FOUND));
MATCHER_P(HasCode, code, "has gRPC code " + ::testing::PrintToString(code)) {
  *result_listener << "status is " << arg.error_code() << " \"" << arg.error_message() << "\"";
  return arg.error_code() == code;
}

// EXPECT_THAT(status, HasMessage("both bounds"));
MATCHER_P(MessageHas, text, "has a message containing \"" + std::string(text) + "\"") {
  *result_listener << "message is \"" << arg.error_message() << "\"";
  return arg.error_message().find(text) != std::string::npos;
}

// A deadline that only stops a broken test from hanging; never asserted on.
inline std::chrono::system_clock::time_point SafetyDeadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

inline v1::Record MakeRecord(const std::string& key, const std::string& value,
                             int64_t timestamp_ms = 0) {
  v1::Record record;
  record.set_key(key);
  record.set_value(value);
  record.set_timestamp_ms(timestamp_ms);
  return record;
}

class ServiceFixture : public ::testing::Test {
 protected:
  static constexpr int64_t kNowMs = ::eventlog::testing::kNowMs;

  void SetUp() override { StartServer(); }
  void TearDown() override { StopServer(); }

  // Options of the next StartServer(); tests may change them first.
  ServerOptions& options() { return options_; }

  void StartServer() {
    options_.listen_address = "127.0.0.1:0";
    options_.store.data_dir = dir_.path() + "/data";
    options_.store.clock = &clock_;
    options_.store.cleanup_interval_ms = 0;
    options_.shutdown_grace_ms = 2000;
    absl::StatusOr<std::unique_ptr<EventLogServer>> server = EventLogServer::Start(options_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::EventLog::NewStub(channel_);
  }

  void StopServer() {
    stub_.reset();
    channel_.reset();
    if (server_ != nullptr) {
      EXPECT_OK(server_->Shutdown());
    }
    server_.reset();
  }

  void RestartServer() {
    StopServer();
    StartServer();
  }

  grpc::Status CreateTopic(const std::string& name, int32_t partitions,
                           v1::TopicDescription* description = nullptr,
                           const v1::TopicConfig& config = v1::TopicConfig()) {
    v1::CreateTopicRequest request;
    request.set_name(name);
    request.set_partitions(partitions);
    *request.mutable_config() = config;
    v1::TopicDescription ignored;
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    return stub_->CreateTopic(&context, request, description ? description : &ignored);
  }

  grpc::Status Produce(const v1::ProduceRequest& request, v1::ProduceResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    return stub_->Produce(&context, request, response);
  }

  // Produces `values` (keyless) to one partition; returns the base offset.
  int64_t ProduceValues(const std::string& topic, int32_t partition,
                        const std::vector<std::string>& values) {
    v1::ProduceRequest request;
    request.set_topic(topic);
    request.set_partition(partition);
    for (const std::string& value : values) *request.add_records() = MakeRecord("", value);
    v1::ProduceResponse response;
    grpc::Status status = Produce(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || response.appends_size() != 1) return -1;
    return response.appends(0).base_offset();
  }

  grpc::Status Fetch(const v1::FetchRequest& request, v1::FetchResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    return stub_->Fetch(&context, request, response);
  }

  v1::FetchRequest FetchRequest(const std::string& topic, int32_t partition, int64_t offset) {
    v1::FetchRequest request;
    request.set_topic(topic);
    request.set_partition(partition);
    request.set_offset(offset);
    return request;
  }

  // Values of every record of a partition from `offset` on. ListOffsets
  // LATEST first: it makes what was produced with ACKS_LEADER durable, hence
  // visible (readers see only durable records).
  std::vector<std::string> FetchValues(const std::string& topic, int32_t partition,
                                       int64_t offset = 0) {
    {
      v1::ListOffsetsRequest latest;
      latest.set_topic(topic);
      latest.add_partitions(partition);
      latest.set_spec(v1::OFFSET_SPEC_LATEST);
      v1::ListOffsetsResponse ignored;
      grpc::ClientContext context;
      (void)stub_->ListOffsets(&context, latest, &ignored);
    }
    v1::FetchResponse response;
    grpc::Status status = Fetch(FetchRequest(topic, partition, offset), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> values;
    for (const v1::Record& record : response.records()) values.push_back(record.value());
    return values;
  }

  eventlog::testing::TempDir dir_;
  util::ManualClock clock_{kNowMs};
  ServerOptions options_;
  std::unique_ptr<EventLogServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EventLog::Stub> stub_;
};

}  // namespace eventlog::service::testing

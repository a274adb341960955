// Server limits that are flags of eventlogd: the cap on open Subscribe
// streams and the per-connection produce quota. (Message, request and
// partition-count limits are tested with produce and topic admin.)
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::AllOf;

class LimitsTest : public ServiceFixture {
 protected:
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;
  };

  std::unique_ptr<Stream> Subscribe(const std::string& topic) {
    v1::SubscribeRequest request;
    request.set_topic(topic);
    request.set_start_from(v1::START_FROM_EARLIEST);
    auto stream = std::make_unique<Stream>();
    stream->context.set_deadline(SafetyDeadline());
    stream->reader = stub_->Subscribe(&stream->context, request);
    return stream;
  }

  static v1::ProduceRequest ValueRequest(uint64_t id, size_t value_bytes) {
    v1::ProduceRequest request;
    request.set_request_id(id);
    request.set_topic("q");
    *request.add_records() = MakeRecord("", std::string(value_bytes, 'v'));
    return request;
  }
};

TEST_F(LimitsTest, SubscribeBeyondMaxSubscriptionsIsRefused) {
  options().broker.max_subscriptions = 2;
  RestartServer();
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  ProduceValues("t", 0, {"a"});
  std::vector<std::unique_ptr<Stream>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(Subscribe("t"));
    v1::SubscribeResponse response;
    // A record arrived, so the server holds this subscription.
    ASSERT_TRUE(open.back()->reader->Read(&response));
  }
  std::unique_ptr<Stream> third = Subscribe("t");
  v1::SubscribeResponse response;
  EXPECT_FALSE(third->reader->Read(&response));
  EXPECT_THAT(third->reader->Finish(),
              AllOf(HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED), MessageHas("2 open"),
                    MessageHas("--max_subscriptions")));
  for (const auto& stream : open) stream->context.TryCancel();
  for (const auto& stream : open) {
    while (stream->reader->Read(&response)) {
    }
    EXPECT_THAT(stream->reader->Finish(), HasCode(grpc::StatusCode::CANCELLED));
  }
}

TEST_F(LimitsTest, ProduceOverTheConnectionQuotaIsRefusedAndAppendsNothing) {
  options().broker.produce_quota_bytes_per_sec = 1000;
  RestartServer();
  ASSERT_TRUE(CreateTopic("q", 1).ok());
  v1::ProduceResponse response;
  ASSERT_TRUE(Produce(ValueRequest(1, 600), &response).ok());
  EXPECT_THAT(Produce(ValueRequest(2, 600), &response),
              AllOf(HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED),
                    MessageHas("produce quota of 1000 bytes/s for this connection exceeded"),
                    MessageHas("retry later")));
  EXPECT_EQ(FetchValues("q", 0).size(), 1u);

  // Another connection has its own bucket.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto other = v1::EventLog::NewStub(
      grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), args));
  {
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    EXPECT_TRUE(other->Produce(&context, ValueRequest(3, 600), &response).ok());
  }

  // A second later the first connection's bucket is full again, and a
  // request larger than the burst passes once.
  clock_.AdvanceMs(1000);
  EXPECT_TRUE(Produce(ValueRequest(4, 1500), &response).ok());
  clock_.AdvanceMs(500);
  EXPECT_THAT(Produce(ValueRequest(5, 10), &response),
              HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_EQ(FetchValues("q", 0).size(), 3u);
}

TEST_F(LimitsTest, ProduceStreamRequestOverTheQuotaGetsAnErrorResponse) {
  options().broker.produce_quota_bytes_per_sec = 1000;
  RestartServer();
  ASSERT_TRUE(CreateTopic("q", 1).ok());
  grpc::ClientContext context;
  context.set_deadline(SafetyDeadline());
  auto stream = stub_->ProduceStream(&context);
  std::vector<v1::ProduceResponse> responses;
  std::thread reader([&] {
    v1::ProduceResponse response;
    while (stream->Read(&response)) responses.push_back(response);
  });
  for (uint64_t id = 0; id < 3; ++id) ASSERT_TRUE(stream->Write(ValueRequest(id, 400)));
  stream->WritesDone();
  reader.join();
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].error_code(), 0) << responses[0].error_message();
  EXPECT_EQ(responses[1].error_code(), 0) << responses[1].error_message();
  EXPECT_EQ(responses[2].error_code(), static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_NE(responses[2].error_message().find("produce quota of 1000 bytes/s"), std::string::npos);
  EXPECT_EQ(FetchValues("q", 0).size(), 2u);
}

}  // namespace
}  // namespace eventlog::service::testing

// ProduceStream: pipelining, response order, per-request errors.
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

class ProduceStreamTest : public ServiceFixture {
 protected:
  // Writes `requests` while a second thread reads the responses, then
  // half-closes; returns the responses and the final status.
  grpc::Status RunStream(const std::vector<v1::ProduceRequest>& requests,
                         std::vector<v1::ProduceResponse>* responses) {
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    auto stream = stub_->ProduceStream(&context);
    std::thread reader([&] {
      v1::ProduceResponse response;
      while (stream->Read(&response)) responses->push_back(response);
    });
    for (const v1::ProduceRequest& request : requests) {
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
    reader.join();
    return stream->Finish();
  }
};

v1::ProduceRequest Request(uint64_t id, const std::string& topic, int32_t partition,
                           const std::string& value) {
  v1::ProduceRequest request;
  request.set_request_id(id);
  request.set_topic(topic);
  request.set_partition(partition);
  request.set_acks(id % 2 == 0 ? v1::ACKS_ALL : v1::ACKS_LEADER);
  *request.add_records() = MakeRecord("", value);
  return request;
}

TEST_F(ProduceStreamTest, ManyPipelinedRequestsAnsweredInOrder) {
  ASSERT_TRUE(CreateTopic("s", 3).ok());
  constexpr int kRequests = 500;  // Well above the in-flight bound.
  std::vector<v1::ProduceRequest> requests;
  for (int i = 0; i < kRequests; ++i) {
    requests.push_back(Request(1000 + i, "s", i % 3, absl::StrCat("v", i)));
  }
  std::vector<v1::ProduceResponse> responses;
  ASSERT_TRUE(RunStream(requests, &responses).ok());
  ASSERT_EQ(responses.size(), static_cast<size_t>(kRequests));
  std::map<int32_t, int64_t> next_offset;
  for (int i = 0; i < kRequests; ++i) {
    const v1::ProduceResponse& response = responses[i];
    EXPECT_EQ(response.request_id(), 1000u + i);
    EXPECT_EQ(response.error_code(), 0) << response.error_message();
    ASSERT_EQ(response.appends_size(), 1);
    EXPECT_EQ(response.appends(0).partition(), i % 3);
    // Requests to one partition were appended in stream order.
    EXPECT_EQ(response.appends(0).base_offset(), next_offset[i % 3]++);
  }
  std::vector<std::string> values = FetchValues("s", 1);
  ASSERT_EQ(values.size(), static_cast<size_t>(next_offset[1]));
  EXPECT_EQ(values[0], "v1");
  EXPECT_EQ(values[1], "v4");
}

TEST_F(ProduceStreamTest, BadRequestGetsAnErrorResponseAndTheStreamGoesOn) {
  ASSERT_TRUE(CreateTopic("s", 1).ok());
  std::vector<v1::ProduceRequest> requests;
  for (int i = 0; i < 10; ++i) requests.push_back(Request(i, "s", 0, absl::StrCat("v", i)));
  requests[3].set_partition(7);      // Unknown partition.
  requests[5].clear_records();       // No records.
  requests[6].set_topic("missing");  // Unknown topic.
  requests[8].set_acks(static_cast<v1::Acks>(42));
  std::vector<v1::ProduceResponse> responses;
  ASSERT_TRUE(RunStream(requests, &responses).ok());
  ASSERT_EQ(responses.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(responses[i].request_id(), static_cast<uint64_t>(i));
  EXPECT_EQ(responses[3].error_code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_NE(responses[3].error_message().find("partition 7"), std::string::npos);
  EXPECT_EQ(responses[5].error_code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(responses[6].error_code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(responses[8].error_code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(responses[3].appends_size(), 0);
  int64_t offset = 0;
  for (int i : {0, 1, 2, 4, 7, 9}) {
    EXPECT_EQ(responses[i].error_code(), 0) << i;
    ASSERT_EQ(responses[i].appends_size(), 1);
    EXPECT_EQ(responses[i].appends(0).base_offset(), offset++);
  }
  EXPECT_EQ(FetchValues("s", 0), (std::vector<std::string>{"v0", "v1", "v2", "v4", "v7", "v9"}));
}

TEST_F(ProduceStreamTest, EmptyStreamFinishesOk) {
  std::vector<v1::ProduceResponse> responses;
  EXPECT_TRUE(RunStream({}, &responses).ok());
  EXPECT_TRUE(responses.empty());
}

TEST_F(ProduceStreamTest, ClientCancelEndsTheStream) {
  ASSERT_TRUE(CreateTopic("s", 1).ok());
  grpc::ClientContext context;
  context.set_deadline(SafetyDeadline());
  auto stream = stub_->ProduceStream(&context);
  ASSERT_TRUE(stream->Write(Request(1, "s", 0, "x")));
  v1::ProduceResponse response;
  ASSERT_TRUE(stream->Read(&response));
  context.TryCancel();
  EXPECT_THAT(stream->Finish(), HasCode(grpc::StatusCode::CANCELLED));
  EXPECT_EQ(FetchValues("s", 0), std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace eventlog::service::testing

// ProduceStream read-ahead (ProduceStreamLimits): while fsyncs are slow, a
// stream keeps reading and appending its requests, so that the next group
// commit round takes them all; each limit stops the reading.
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_format.h"
#include "tests/service/server/service_fixture.h"
#include "tests/storage/fs/fault_injection_file_system.h"

namespace eventlog::service::testing {
namespace {

class ProduceStreamWindowTest : public ServiceFixture {
 protected:
  void SetUp() override {
    options().store.file_system = &file_system_;
    ServiceFixture::SetUp();
  }

  v1::ProduceRequest Request(uint64_t id) {
    v1::ProduceRequest request;
    request.set_request_id(1000 + id);  // all encoded alike: the byte limit tests count them
    request.set_topic("w");
    request.set_partition(0);
    request.set_acks(v1::ACKS_ALL);
    *request.add_records() = MakeRecord("", absl::StrFormat("v%04d", id));
    return request;
  }

  // The partition's log end offset: records written, durable or not.
  int64_t LogEndOffset() {
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    v1::DescribeTopicRequest request;
    request.set_name("w");
    v1::TopicDescription response;
    grpc::Status status = stub_->DescribeTopic(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || response.partitions_size() != 1) return -1;
    return response.partitions(0).log_end_offset();
  }

  // Polls until the log end offset reaches `offset` (the safety deadline
  // only stops a broken test from hanging).
  bool WaitForLogEnd(int64_t offset) {
    const auto deadline = SafetyDeadline();
    while (std::chrono::system_clock::now() < deadline) {
      if (LogEndOffset() >= offset) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // Writes `n` one-record ACKS_ALL requests on one stream while every fsync
  // is held; returns once `written` of them are in the log, then releases
  // the fsyncs and checks that all `n` are answered in order.
  void ProduceWhileSyncsAreHeld(int n, int64_t written) {
    ASSERT_TRUE(CreateTopic("w", 1).ok());
    file_system_.HoldSyncs();
    // Also when an assertion returns early: the server's shutdown syncs.
    absl::Cleanup release = [this] { file_system_.ReleaseSyncs(); };
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    auto stream = stub_->ProduceStream(&context);
    for (int i = 0; i < n; ++i) ASSERT_TRUE(stream->Write(Request(i)));
    ASSERT_TRUE(WaitForLogEnd(written));
    // The stream read no further than its limit (a stream reading too far
    // would have done so within this time).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(LogEndOffset(), written);
    std::move(release).Invoke();
    stream->WritesDone();
    v1::ProduceResponse response;
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(stream->Read(&response)) << i;
      EXPECT_EQ(response.request_id(), static_cast<uint64_t>(1000 + i));
      EXPECT_EQ(response.error_code(), 0) << response.error_message();
      ASSERT_EQ(response.appends_size(), 1);
      EXPECT_EQ(response.appends(0).base_offset(), i);
    }
    EXPECT_TRUE(stream->Finish().ok());
  }

  storage::testing::FaultInjectionFileSystem file_system_{dir_.path()};
};

TEST_F(ProduceStreamWindowTest, AStreamReadsHundredsOfRequestsAheadOfASlowFsync) {
  // 300 > the old fixed limit of 64 requests.
  ProduceWhileSyncsAreHeld(300, 300);
}

TEST_F(ProduceStreamWindowTest, TheRequestLimitStopsReading) {
  StopServer();
  options().produce_stream.max_requests = 10;
  StartServer();
  ProduceWhileSyncsAreHeld(30, 10);
}

TEST_F(ProduceStreamWindowTest, TheByteLimitStopsReadingButOneRequestIsAlwaysTaken) {
  const auto request_bytes = static_cast<int64_t>(Request(0).ByteSizeLong());
  StopServer();
  // Four requests fill it (the fourth is read while three are in flight).
  options().produce_stream.max_bytes = 3 * request_bytes + 1;
  StartServer();
  ProduceWhileSyncsAreHeld(20, 4);
}

TEST_F(ProduceStreamWindowTest, ARequestLargerThanTheByteLimitIsStillRead) {
  StopServer();
  options().produce_stream.max_bytes = 1;
  StartServer();
  ProduceWhileSyncsAreHeld(5, 1);
}

}  // namespace
}  // namespace eventlog::service::testing

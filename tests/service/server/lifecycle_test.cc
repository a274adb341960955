// Server lifecycle: health, reflection, restart on the same data dir,
// shutdown ending open calls with UNAVAILABLE, the data-dir lock, DATA_LOSS.
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "";
  std::string out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

class LifecycleTest : public ServiceFixture {
 protected:
  // grpc.health.v1.Health/Check for `service`, returning the raw status
  // enum (1 = SERVING, 2 = NOT_SERVING) or -1. The messages are encoded by
  // hand: the health protos are not installed here.
  int HealthStatus(const std::string& service) {
    std::string request;
    if (!service.empty()) {
      request.push_back('\x0a');  // field 1, length-delimited
      request.push_back(static_cast<char>(service.size()));
      request += service;
    }
    grpc::GenericStub generic(channel_);
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    grpc::ByteBuffer request_buffer = ToBuffer(request);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                      &request_buffer, &response,
                      [&done](grpc::Status status) { done.set_value(status); });
    grpc::Status status = done.get_future().get();
    if (!status.ok()) return -1;
    const std::string bytes = ToString(response);
    // HealthCheckResponse{status = 1: enum}: 0x08 <value>.
    if (bytes.size() != 2 || bytes[0] != '\x08') return -1;
    return bytes[1];
  }

  // The raw ServerReflectionResponse to a list_services request.
  std::string ReflectionListServices() {
    grpc::GenericStub generic(channel_);
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    grpc::CompletionQueue cq;
    auto call = generic.PrepareCall(
        &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
    auto await = [&cq]() {
      void* tag;
      bool ok = false;
      return cq.Next(&tag, &ok) && ok;
    };
    std::string listed;
    call->StartCall(reinterpret_cast<void*>(1));
    if (await()) {
      // ServerReflectionRequest{list_services = 7: ""}.
      call->Write(ToBuffer(std::string("\x3a\x00", 2)), reinterpret_cast<void*>(2));
      if (await()) {
        call->WritesDone(reinterpret_cast<void*>(3));
        await();
        grpc::ByteBuffer response;
        call->Read(&response, reinterpret_cast<void*>(4));
        if (await()) listed = ToString(response);
        call->Read(&response, reinterpret_cast<void*>(5));
        await();
      }
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(6));
    await();
    cq.Shutdown();
    void* tag;
    bool ok;
    while (cq.Next(&tag, &ok)) {
    }
    return listed;
  }
};

TEST_F(LifecycleTest, HealthIsServing) {
  EXPECT_EQ(HealthStatus(""), 1);
  EXPECT_EQ(HealthStatus("eventlog.v1.EventLog"), 1);
}

TEST_F(LifecycleTest, ReflectionListsTheService) {
  const std::string listed = ReflectionListServices();
  EXPECT_THAT(listed, HasSubstr("eventlog.v1.EventLog"));
  EXPECT_THAT(listed, HasSubstr("grpc.health.v1.Health"));
}

TEST_F(LifecycleTest, RestartKeepsTopicsConfigDataAndCommittedOffsets) {
  v1::TopicConfig config;
  config.set_retention_ms(123456789);
  config.set_cleanup_policy(v1::CLEANUP_POLICY_COMPACT);
  ASSERT_TRUE(CreateTopic("durable", 2, nullptr, config).ok());
  ProduceValues("durable", 1, {"one", "two", "three"});
  {
    v1::CommitOffsetRequest commit;
    commit.set_group("g");
    commit.set_topic("durable");
    commit.set_partition(1);
    commit.set_offset(2);
    commit.set_metadata("m");
    v1::CommitOffsetResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CommitOffset(&context, commit, &response).ok());
  }

  RestartServer();

  v1::DescribeTopicRequest describe;
  describe.set_name("durable");
  v1::TopicDescription description;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->DescribeTopic(&context, describe, &description).ok());
  }
  EXPECT_EQ(description.config().retention_ms(), 123456789);
  EXPECT_EQ(description.config().cleanup_policy(), v1::CLEANUP_POLICY_COMPACT);
  ASSERT_EQ(description.partitions_size(), 2);
  EXPECT_EQ(description.partitions(1).high_watermark(), 3);
  EXPECT_EQ(FetchValues("durable", 1), (std::vector<std::string>{"one", "two", "three"}));

  v1::FetchCommittedOffsetsRequest fetch;
  fetch.set_group("g");
  fetch.set_topic("durable");
  v1::FetchCommittedOffsetsResponse committed;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->FetchCommittedOffsets(&context, fetch, &committed).ok());
  }
  ASSERT_EQ(committed.offsets_size(), 1);
  EXPECT_EQ(committed.offsets(0).offset(), 2);
  EXPECT_EQ(committed.offsets(0).metadata(), "m");

  // Appends continue after the recovered offsets.
  EXPECT_EQ(ProduceValues("durable", 1, {"four"}), 3);
}

TEST_F(LifecycleTest, ShutdownEndsOpenCallsWithUnavailable) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  // A subscription, a long-polling fetch and a produce stream are open.
  grpc::ClientContext subscribe_context;
  subscribe_context.set_deadline(SafetyDeadline());
  v1::SubscribeRequest subscribe;
  subscribe.set_topic("t");
  auto subscription = stub_->Subscribe(&subscribe_context, subscribe);
  subscription->WaitForInitialMetadata();

  v1::FetchRequest poll = FetchRequest("t", 0, 0);
  poll.set_max_wait_ms(20000);
  v1::FetchResponse polled;
  std::future<grpc::Status> fetch =
      std::async(std::launch::async, [&] { return Fetch(poll, &polled); });

  grpc::ClientContext stream_context;
  stream_context.set_deadline(SafetyDeadline());
  auto stream = stub_->ProduceStream(&stream_context);
  v1::ProduceRequest produce;
  produce.set_topic("t");
  *produce.add_records() = MakeRecord("", "x");
  ASSERT_TRUE(stream->Write(produce));
  v1::ProduceResponse produced;
  ASSERT_TRUE(stream->Read(&produced));
  EXPECT_EQ(produced.error_code(), 0);
  // The fetch may have returned the record already; let it park again.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  std::thread shutdown([this] { EXPECT_OK(server_->Shutdown()); });
  v1::SubscribeResponse response;
  while (subscription->Read(&response)) {
  }
  EXPECT_THAT(subscription->Finish(),
              AllOf(HasCode(grpc::StatusCode::UNAVAILABLE), MessageHas("shutting down")));
  grpc::Status fetch_status = fetch.get();
  if (polled.records_size() == 0) {
    EXPECT_THAT(fetch_status, HasCode(grpc::StatusCode::UNAVAILABLE));
  }
  while (stream->Read(&produced)) {
  }
  EXPECT_THAT(stream->Finish(), HasCode(grpc::StatusCode::UNAVAILABLE));
  shutdown.join();
}

TEST_F(LifecycleTest, SecondServerOnTheSameDataDirIsRefused) {
  ServerOptions second = options();
  absl::StatusOr<std::unique_ptr<EventLogServer>> other = EventLogServer::Start(second);
  EXPECT_THAT(other, eventlog::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  // The first one is unaffected.
  EXPECT_TRUE(CreateTopic("still-here", 1).ok());
}

TEST_F(LifecycleTest, SecondServerOnTheSameAddressIsRefused) {
  // gRPC turns SO_REUSEPORT on by default, so a second broker on the same
  // port would start and the kernel would split new connections between them.
  ServerOptions second = options();
  second.listen_address = server_->address();
  eventlog::testing::TempDir other_dir;
  second.store.data_dir = other_dir.path() + "/data";
  absl::StatusOr<std::unique_ptr<EventLogServer>> other = EventLogServer::Start(second);
  EXPECT_THAT(other, eventlog::testing::StatusIs(absl::StatusCode::kUnavailable));
  if (other.ok()) {
    EXPECT_OK((*other)->Shutdown());
  }
  EXPECT_TRUE(CreateTopic("still-here", 1).ok());
}

TEST_F(LifecycleTest, CorruptedSegmentIsDataLoss) {
  ASSERT_TRUE(CreateTopic("fragile", 1).ok());
  ProduceValues("fragile", 0, {std::string(4000, 'v')});
  std::filesystem::path segment;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (entry.is_regular_file() && entry.path().extension() == ".log" && entry.file_size() > 4000) {
      segment = entry.path();
    }
  }
  ASSERT_FALSE(segment.empty()) << "no segment file found under " << dir_.path();
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    const std::streamoff middle =
        static_cast<std::streamoff>(std::filesystem::file_size(segment) / 2);
    file.seekg(middle);
    char byte = 0;
    file.get(byte);
    file.seekp(middle);
    file.put(static_cast<char>(byte ^ 0x5a));
  }
  v1::FetchResponse response;
  EXPECT_THAT(Fetch(FetchRequest("fragile", 0, 0), &response),
              HasCode(grpc::StatusCode::DATA_LOSS));

  grpc::ClientContext context;
  context.set_deadline(SafetyDeadline());
  v1::SubscribeRequest subscribe;
  subscribe.set_topic("fragile");
  subscribe.set_start_from(v1::START_FROM_EARLIEST);
  auto reader = stub_->Subscribe(&context, subscribe);
  v1::SubscribeResponse pushed;
  EXPECT_FALSE(reader->Read(&pushed));
  EXPECT_THAT(reader->Finish(), HasCode(grpc::StatusCode::DATA_LOSS));
}

}  // namespace
}  // namespace eventlog::service::testing

// The replication stream's protocol against a real leader (docs/CLUSTER.md,
// "The replication stream"): the test plays the follower on a raw
// Replication.Fetch stream, in place of a follower broker it killed, and
// checks that a progress report moves the leader's high watermark while a
// fetch is waiting in a long poll (and is not answered), and that a
// follower of an earlier release, which reports durable ends only in its
// fetches, is answered at once while it has unsynced records.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "eventlog/cluster/v1/replication.grpc.pb.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

namespace cv1 = ::eventlog::cluster::v1;
using Stream = grpc::ClientReaderWriter<cv1::ReplicaFetchRequest, cv1::ReplicaFetchResponse>;

constexpr char kTopic[] = "streamed";
// Far longer than the test: a request that waits for it would fail the
// stream's deadline instead of passing by the clock.
constexpr int kLongPollMs = 600000;

absl::Status Produce(const std::string& address, v1::Acks acks, const std::string& value) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ProduceRequest request;
  request.set_topic(kTopic);
  request.set_partition(0);
  request.set_acks(acks);
  request.add_records()->set_value(value);
  v1::ProduceResponse response;
  grpc::Status status = StubTo(address)->Produce(&context, request, &response);
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

int64_t HighWatermark(const std::string& address) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::DescribeTopicRequest request;
  request.set_name(kTopic);
  v1::TopicDescription response;
  grpc::Status status = StubTo(address)->DescribeTopic(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return status.ok() && response.partitions_size() == 1 ? response.partitions(0).high_watermark()
                                                        : -1;
}

cv1::ReplicaFetchRequest Request(int32_t follower, int32_t epoch, int64_t fetch_offset,
                                 int64_t durable_end, bool reports_progress) {
  cv1::ReplicaFetchRequest request;
  request.set_follower_id(follower);
  request.set_max_wait_ms(kLongPollMs);
  request.set_max_bytes_per_partition(1 << 20);
  request.set_reports_progress(reports_progress);
  cv1::ReplicaPartitionPosition* position = request.add_partitions();
  position->set_topic(kTopic);
  position->set_partition(0);
  position->set_fetch_offset(fetch_offset);
  position->set_durable_end(durable_end);
  position->set_leader_epoch(epoch);
  return request;
}

TEST(ReplicationStreamTest, AProgressReportMovesTheHighWatermarkWhileAFetchWaits) {
  BrokerClusterOptions options;
  options.brokers = 2;
  // The test's stream stands in for the killed follower: it must stay in
  // the ISR, whose durable ends bound the high watermark.
  options.flags = {"--replica_lag_time_max_ms=120000"};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start(options));
  ASSERT_OK(CreateTopic(cluster->address(0), kTopic, 1, /*replication_factor=*/2));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata state, PartitionStateAt(cluster->address(0), kTopic));
  const int leader = state.leader() - BrokerCluster::BrokerId(0);
  const int follower = 1 - leader;
  const int32_t follower_id = BrokerCluster::BrokerId(follower);
  const int32_t epoch = state.leader_epoch();
  const std::string address = cluster->address(leader);
  ASSERT_OK(Produce(address, v1::ACKS_ALL, "a"));  // on both: high watermark 1
  cluster->KillBroker(follower);

  std::unique_ptr<cv1::Replication::Stub> stub =
      cv1::Replication::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    std::unique_ptr<Stream> stream = stub->Fetch(&context);
    ASSERT_TRUE(stream->Write(Request(follower_id, epoch, 1, 1, true)));
    ASSERT_OK(Produce(address, v1::ACKS_LEADER, "b"));
    cv1::ReplicaFetchResponse response;
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_TRUE(response.accepts_progress());
    ASSERT_EQ(response.partitions_size(), 1);
    EXPECT_EQ(response.partitions(0).code(), 0) << response.partitions(0).error();
    EXPECT_FALSE(response.partitions(0).batches().empty());
    EXPECT_EQ(response.partitions(0).log_end_offset(), 2);

    // "Written, not fsynced": the leader long-polls this fetch, and the
    // high watermark waits for the follower's durable end.
    ASSERT_TRUE(stream->Write(Request(follower_id, epoch, 2, 1, true)));
    EXPECT_EQ(HighWatermark(address), 1);
    cv1::ReplicaFetchRequest progress = Request(follower_id, epoch, 2, 2, true);
    progress.set_progress_only(true);
    ASSERT_TRUE(stream->Write(progress));
    const absl::Time deadline = absl::Now() + absl::Seconds(30);  // a safety net
    int64_t high_watermark = HighWatermark(address);
    while (high_watermark != 2 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
      high_watermark = HighWatermark(address);
    }
    EXPECT_EQ(high_watermark, 2);

    // The next answer is the waiting fetch's, woken by a new record: the
    // progress report got none.
    ASSERT_OK(Produce(address, v1::ACKS_LEADER, "c"));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_EQ(response.partitions_size(), 1);
    EXPECT_FALSE(response.partitions(0).batches().empty());
    EXPECT_EQ(response.partitions(0).log_end_offset(), 3);
    EXPECT_EQ(response.partitions(0).high_watermark(), 2);
    context.TryCancel();
    (void)stream->Finish();
  }
  {
    // A follower without progress reports, asking with a record unsynced,
    // is answered at once (empty), not after the long poll.
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    std::unique_ptr<Stream> stream = stub->Fetch(&context);
    ASSERT_TRUE(stream->Write(Request(follower_id, epoch, 3, 2, false)));
    cv1::ReplicaFetchResponse response;
    ASSERT_TRUE(stream->Read(&response)) << "no answer before the stream's deadline";
    ASSERT_EQ(response.partitions_size(), 1);
    EXPECT_EQ(response.partitions(0).code(), 0) << response.partitions(0).error();
    EXPECT_TRUE(response.partitions(0).batches().empty());
    EXPECT_EQ(response.partitions(0).high_watermark(), 2);
    context.TryCancel();
    (void)stream->Finish();
  }
}

}  // namespace
}  // namespace eventlog::testing

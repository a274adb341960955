// The cluster as clients see it (docs/CLUSTER.md), on one shared cluster of
// a one-member etcd and three real eventlogd processes: partitions spread
// over the brokers, any broker serves any call (forwarding to the leaders),
// subscriptions and a consumer group through different brokers get every
// record once per subscriber or group, commits go to the group's
// coordinator whichever broker takes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/broker/partitioner.h"
#include "tests/eventually.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

constexpr char kSpread[] = "spread";

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // No broker dies in this suite: a lease long enough that a loaded
    // machine (CI runs two suites at once) does not cost one its leadership.
    BrokerClusterOptions options;
    options.lease_ttl_seconds = 6;
    absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = started->release();
    // First, while the brokers hold nothing: its placement is exact.
    ASSERT_OK(CreateTopic(cluster_->address(0), kSpread, 12));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) std::cerr << cluster_->LogTails();
  }

  static const std::string& Address(int i) { return cluster_->address(i); }

  static BrokerCluster* cluster_;
};

BrokerCluster* ClusterTest::cluster_ = nullptr;

TEST_F(ClusterTest, TwelvePartitionsSpreadOverThreeBrokersAndEveryBrokerSaysSo) {
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(Address(0), kSpread));
  std::map<int32_t, int> per_broker;
  for (const auto& [partition, leader] : leaders) ++per_broker[leader];
  EXPECT_EQ(per_broker, (std::map<int32_t, int>{{1, 4}, {2, 4}, {3, 4}}));
  for (int i = 1; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto seen, Leaders(Address(i), kSpread));
    EXPECT_EQ(seen, leaders) << "broker " << BrokerCluster::BrokerId(i);
  }
  // DescribeTopic shows the same leaders, and GetMetadata the brokers.
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::DescribeTopicRequest request;
  request.set_name(kSpread);
  v1::TopicDescription description;
  ASSERT_TRUE(StubTo(Address(2))->DescribeTopic(&context, request, &description).ok());
  ASSERT_EQ(description.partitions_size(), 12);
  for (const v1::PartitionInfo& partition : description.partitions()) {
    EXPECT_EQ(partition.leader(), leaders[partition.partition()]);
  }
  ASSERT_OK_AND_ASSIGN(v1::GetMetadataResponse metadata, Metadata(Address(1)));
  ASSERT_EQ(metadata.brokers_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(metadata.brokers(i).id(), BrokerCluster::BrokerId(i));
    EXPECT_EQ(metadata.brokers(i).address(), Address(i));
  }
}

TEST_F(ClusterTest, ProduceThroughAnyBrokerLandsOnThePartitionsLeader) {
  const std::string topic = "routing";
  ASSERT_OK(CreateTopic(Address(1), topic, 12));
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(Address(0), topic));
  std::map<int32_t, std::set<std::string>> expected;  // partition -> values
  for (int via = 0; via < 3; ++via) {
    std::vector<std::string> keys;
    for (int i = 0; i < 40; ++i) keys.push_back(absl::StrCat("key-", via, "-", i));
    ASSERT_OK_AND_ASSIGN(v1::ProduceResponse response, ProduceKeyed(Address(via), topic, keys));
    int acknowledged = 0;
    for (const v1::PartitionAppend& append : response.appends()) {
      acknowledged += static_cast<int>(append.last_offset() - append.base_offset() + 1);
    }
    EXPECT_EQ(acknowledged, 40);
    for (const std::string& key : keys) {
      expected[broker::Partitioner::ForKey(key, 12)].insert(absl::StrCat("value of ", key));
    }
  }
  for (int32_t p = 0; p < 12; ++p) {
    const int leader = leaders[p] - 1;
    // On the leader itself (a forwarded fetch is served locally only) ...
    ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> local,
                         FetchAll(Address(leader), topic, p, /*forwarded=*/true));
    std::set<std::string> values;
    for (const v1::Record& record : local) values.insert(record.value());
    EXPECT_EQ(values, expected[p]) << "partition " << p;
    // ... and through every other broker, forwarded.
    for (int other = 0; other < 3; ++other) {
      if (other == leader) continue;
      ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> through, FetchAll(Address(other), topic, p));
      EXPECT_EQ(through.size(), local.size()) << "partition " << p << " via " << other;
    }
  }
}

TEST_F(ClusterTest, ANonLeaderRefusesAForwardedCallWithTheLeadersAddress) {
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(Address(0), kSpread));
  const int32_t partition = 0;
  const int leader = leaders[partition] - 1;
  const int other = (leader + 1) % 3;
  grpc::ClientContext context;
  SetDeadline(&context);
  context.AddMetadata("eventlog-forwarded", "0");  // as another broker would send it
  v1::ProduceRequest request;
  request.set_topic(kSpread);
  request.set_partition(partition);
  request.add_records()->set_value("x");
  v1::ProduceResponse response;
  grpc::Status status = StubTo(Address(other))->Produce(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find(Address(leader)), std::string::npos)
      << status.error_message();
  EXPECT_EQ(Trailer(context, "eventlog-leader"), Address(leader));
}

TEST_F(ClusterTest, AStreamForwardedToALeaderKeepsTheClientsOrder) {
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(Address(0), kSpread));
  const int32_t partition = 5;
  const int via = leaders[partition] % 3;  // not the leader
  ASSERT_NE(via, leaders[partition] - 1);
  grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = StubTo(Address(via))->ProduceStream(&context);
  constexpr int kRequests = 200;
  for (int i = 0; i < kRequests; ++i) {  // pipelined: all written before any answer is read
    v1::ProduceRequest request;
    request.set_topic(kSpread);
    request.set_partition(partition);
    request.set_request_id(static_cast<uint64_t>(i));
    request.add_records()->set_value(absl::StrCat("ordered-", i));
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  int64_t previous = -1;
  v1::ProduceResponse response;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_EQ(response.error_code(), 0) << response.error_message();
    EXPECT_EQ(response.request_id(), static_cast<uint64_t>(i));
    ASSERT_EQ(response.appends_size(), 1);
    EXPECT_GT(response.appends(0).base_offset(), previous);
    previous = response.appends(0).base_offset();
  }
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> records,
                       FetchAll(Address(leaders[partition] - 1), kSpread, partition, true));
  std::vector<std::string> ordered;
  for (const v1::Record& record : records) {
    if (record.value().rfind("ordered-", 0) == 0) ordered.push_back(record.value());
  }
  ASSERT_EQ(ordered.size(), static_cast<size_t>(kRequests));
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(ordered[i], absl::StrCat("ordered-", i));
}

// One Subscribe stream in a thread, collecting what it receives.
class Subscriber {
 public:
  Subscriber(const std::string& address, v1::SubscribeRequest request) : stub_(StubTo(address)) {
    reader_ = stub_->Subscribe(&context_, request);
    reader_->WaitForInitialMetadata();  // every start resolved, or the group joined
    thread_ = std::thread([this] {
      v1::SubscribeResponse message;
      while (reader_->Read(&message)) {
        std::lock_guard<std::mutex> lock(mu_);
        if (message.has_assignment()) {
          assignment_ = message.assignment();
          continue;
        }
        for (const v1::Record& record : message.records().records()) {
          received_.push_back({record.partition(), record.offset()});
        }
      }
    });
  }
  ~Subscriber() {
    context_.TryCancel();
    thread_.join();
  }
  std::vector<std::pair<int32_t, int64_t>> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  v1::Assignment assignment() {
    std::lock_guard<std::mutex> lock(mu_);
    return assignment_;
  }

 private:
  std::unique_ptr<v1::EventLog::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  std::mutex mu_;
  std::vector<std::pair<int32_t, int64_t>> received_;
  v1::Assignment assignment_;
  std::thread thread_;
};

TEST_F(ClusterTest, SubscribersAndAGroupThroughDifferentBrokersGetEveryRecordOncePerGroup) {
  const std::string topic = "fanout";
  ASSERT_OK(CreateTopic(Address(2), topic, 12));
  std::vector<std::unique_ptr<Subscriber>> explicit_subscribers;
  std::vector<std::unique_ptr<Subscriber>> members;
  for (int via = 0; via < 3; ++via) {
    v1::SubscribeRequest request;
    request.set_topic(topic);
    request.set_start_from(v1::START_FROM_LATEST);
    explicit_subscribers.push_back(std::make_unique<Subscriber>(Address(via), request));
    v1::SubscribeRequest member;
    member.set_topic(topic);
    member.set_group("fanout-group");
    member.set_reset_to(v1::START_FROM_EARLIEST);
    members.push_back(std::make_unique<Subscriber>(Address(via), member));
  }
  // The group settles: three members, one generation, every partition once.
  ASSERT_TRUE(Eventually([&] {
    std::set<int64_t> generations;
    int partitions = 0;
    for (auto& m : members) {
      generations.insert(m->assignment().generation());
      partitions += m->assignment().partitions_size();
    }
    return generations.size() == 1 && *generations.begin() > 0 && partitions == 12;
  }));
  constexpr int kRecords = 600;
  for (int batch = 0; batch < kRecords / 50; ++batch) {
    std::vector<std::string> keys;
    for (int i = 0; i < 50; ++i) keys.push_back(absl::StrCat("fan-", batch, "-", i));
    ASSERT_OK(ProduceKeyed(Address(batch % 3), topic, keys).status());
  }
  for (auto& subscriber : explicit_subscribers) {
    ASSERT_TRUE(Eventually([&] { return subscriber->received().size() >= kRecords; }));
  }
  const auto group_total = [&] {
    size_t total = 0;
    for (auto& m : members) total += m->received().size();
    return total;
  };
  ASSERT_TRUE(Eventually([&] { return group_total() >= kRecords; }));
  absl::SleepFor(absl::Milliseconds(300));  // let a stray duplicate show up, if any
  for (auto& subscriber : explicit_subscribers) {
    auto received = subscriber->received();
    std::set<std::pair<int32_t, int64_t>> unique(received.begin(), received.end());
    EXPECT_EQ(received.size(), static_cast<size_t>(kRecords));
    EXPECT_EQ(unique.size(), static_cast<size_t>(kRecords));
  }
  std::set<std::pair<int32_t, int64_t>> group;
  size_t deliveries = 0;
  for (auto& m : members) {
    for (const auto& record : m->received()) {
      group.insert(record);
      ++deliveries;
    }
  }
  EXPECT_EQ(group.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(deliveries, static_cast<size_t>(kRecords));
}

TEST_F(ClusterTest, CommitsGoToTheGroupsCoordinatorWhicheverBrokerTakesThem) {
  for (int via = 0; via < 3; ++via) {
    const std::string group = absl::StrCat("committer-", via);
    v1::CommitOffsetsRequest request;
    request.set_group(group);
    request.set_topic(kSpread);
    for (int32_t p = 0; p < 12; ++p) {
      v1::CommittedOffset* offset = request.add_offsets();
      offset->set_partition(p);
      offset->set_offset(0);
      offset->set_metadata(absl::StrCat("from broker ", via + 1));
    }
    // As clients do: UNAVAILABLE (the coordinator moving or re-registering)
    // is retried.
    grpc::Status committed_status;
    ASSERT_TRUE(Eventually(
        [&] {
          grpc::ClientContext commit;
          SetDeadline(&commit);
          v1::CommitOffsetsResponse ignored;
          committed_status = StubTo(Address(via))->CommitOffsets(&commit, request, &ignored);
          return committed_status.error_code() != grpc::StatusCode::UNAVAILABLE;
        },
        absl::Seconds(30)));
    ASSERT_TRUE(committed_status.ok()) << committed_status.error_message();
    for (int reader = 0; reader < 3; ++reader) {
      v1::FetchCommittedOffsetsRequest read;
      read.set_group(group);
      read.set_topic(kSpread);
      v1::FetchCommittedOffsetsResponse committed;
      grpc::Status fetched_status;
      ASSERT_TRUE(Eventually(
          [&] {
            grpc::ClientContext fetch;
            SetDeadline(&fetch);
            fetched_status = StubTo(Address(reader))->FetchCommittedOffsets(&fetch, read, &committed);
            return fetched_status.error_code() != grpc::StatusCode::UNAVAILABLE;
          },
          absl::Seconds(30)));
      ASSERT_TRUE(fetched_status.ok()) << fetched_status.error_message();
      ASSERT_EQ(committed.offsets_size(), 12);
      EXPECT_EQ(committed.offsets(0).metadata(), absl::StrCat("from broker ", via + 1));
    }
  }
  grpc::ClientContext list;
  SetDeadline(&list);
  v1::ListGroupsResponse groups;
  ASSERT_TRUE(StubTo(Address(1))->ListGroups(&list, v1::ListGroupsRequest(), &groups).ok());
  std::set<std::string> names(groups.groups().begin(), groups.groups().end());
  for (int via = 0; via < 3; ++via) EXPECT_TRUE(names.count(absl::StrCat("committer-", via)));
}

}  // namespace
}  // namespace eventlog::testing

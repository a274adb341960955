// Failures of a cluster (docs/CLUSTER.md, "Failures"), each on a cluster of
// its own: a broker killed and restarted, the controller killed, the etcd
// raft leader killed under load, and everything restarted.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "tests/eventually.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/service/cluster/tcp_proxy.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

class ClusterFailoverTest : public ::testing::Test {
 protected:
  void Start(int etcd_members, int lease_ttl_seconds = 2) {
    BrokerClusterOptions options;
    options.etcd_members = etcd_members;
    options.lease_ttl_seconds = lease_ttl_seconds;
    options.flags = {"--http_listen=127.0.0.1:0"};  // /readyz
    absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) std::cerr << cluster_->LogTails();
  }
  const std::string& Address(int i) const { return cluster_->address(i); }

  // One record per partition; the values by partition.
  std::map<int32_t, std::vector<std::string>> FillPartitions(const std::string& via,
                                                             const std::string& topic,
                                                             int partitions, int round) {
    std::map<int32_t, std::vector<std::string>> written;
    for (int32_t p = 0; p < partitions; ++p) {
      std::string value = absl::StrCat("round-", round, "-p", p);
      EXPECT_OK(ProduceTo(via, topic, p, {value}).status());
      written[p].push_back(value);
    }
    return written;
  }

  std::unique_ptr<BrokerCluster> cluster_;
};

std::vector<std::string> Values(const std::vector<v1::Record>& records) {
  std::vector<std::string> values;
  for (const v1::Record& record : records) values.push_back(record.value());
  return values;
}

TEST_F(ClusterFailoverTest, AKilledBrokersPartitionsAreUnavailableTheRestWorksAndItReturns) {
  ASSERT_NO_FATAL_FAILURE(Start(1));
  ASSERT_OK(CreateTopic(Address(0), "orders", 6));
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(Address(0), "orders"));
  auto written = FillPartitions(Address(0), "orders", 6, 1);

  cluster_->KillBroker(1);  // broker id 2
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(Address(0), "orders");
    if (!now.ok()) return false;
    for (const auto& [p, leader] : leaders) {
      if ((leader == 2) != ((*now)[p] == -1)) return false;
    }
    return true;
  }));
  for (const auto& [p, leader] : leaders) {
    absl::StatusOr<v1::ProduceResponse> produced =
        ProduceTo(Address(2), "orders", p, {absl::StrCat("round-2-p", p)});
    if (leader == 2) {
      EXPECT_EQ(produced.status().code(), absl::StatusCode::kUnavailable) << produced.status();
      absl::StatusOr<std::vector<v1::Record>> read = FetchAll(Address(0), "orders", p);
      EXPECT_EQ(read.status().code(), absl::StatusCode::kUnavailable);
    } else {
      EXPECT_OK(produced.status());
      written[p].push_back(absl::StrCat("round-2-p", p));
      ASSERT_OK_AND_ASSIGN(auto read, FetchAll(Address(0), "orders", p));
      EXPECT_EQ(Values(read), written[p]);
    }
  }

  // A subscriber of every partition, through a surviving broker, gets the
  // records of the live ones meanwhile, and the others' once they return.
  grpc::ClientContext subscribe;
  SetDeadline(&subscribe, std::chrono::seconds(120));  // a safety net
  v1::SubscribeRequest request;
  request.set_topic("orders");
  request.set_start_from(v1::START_FROM_EARLIEST);
  auto stub = StubTo(Address(0));
  auto reader = stub->Subscribe(&subscribe, request);
  size_t live_records = 0;
  for (const auto& [p, leader] : leaders) {
    if (leader != 2) live_records += written[p].size();
  }
  std::map<int32_t, std::vector<std::string>> streamed;
  size_t streamed_count = 0;
  v1::SubscribeResponse message;
  while (streamed_count < live_records && reader->Read(&message)) {
    for (const v1::Record& record : message.records().records()) {
      streamed[record.partition()].push_back(record.value());
      ++streamed_count;
    }
  }
  for (const auto& [p, values] : streamed) EXPECT_NE(leaders[p], 2) << "partition " << p;

  ASSERT_OK(cluster_->StartBroker(1));
  ASSERT_OK(cluster_->WaitForMembership());
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(Address(2), "orders");
    return now.ok() && *now == leaders;
  }));
  size_t total = 0;
  for (const auto& [p, values] : written) total += values.size();
  while (streamed_count < total && reader->Read(&message)) {
    for (const v1::Record& record : message.records().records()) {
      streamed[record.partition()].push_back(record.value());
      ++streamed_count;
    }
  }
  EXPECT_EQ(streamed, written);
  subscribe.TryCancel();
  for (const auto& [p, leader] : leaders) {
    // Its records are back, and it takes new ones.
    ASSERT_OK_AND_ASSIGN(auto read, FetchAll(Address(2), "orders", p));
    EXPECT_EQ(Values(read), written[p]) << "partition " << p;
    EXPECT_OK(ProduceTo(Address(2), "orders", p, {"round-3"}).status());
  }
  ASSERT_OK_AND_ASSIGN(v1::GetMetadataResponse metadata, Metadata(Address(0), "orders"));
  for (const v1::PartitionMetadata& partition : metadata.topics(0).partitions()) {
    // Offline and back: two leader changes for the killed broker's ones.
    EXPECT_EQ(partition.leader_epoch(), leaders[partition.partition()] == 2 ? 2 : 0);
  }
}

TEST_F(ClusterFailoverTest, AnotherBrokerTakesOverFromAKilledController) {
  ASSERT_NO_FATAL_FAILURE(Start(1));
  ASSERT_OK_AND_ASSIGN(v1::GetMetadataResponse before, Metadata(Address(0)));
  const int32_t old_controller = before.controller();
  ASSERT_GE(old_controller, 1);
  ASSERT_OK(CreateTopic(Address(0), "before", 3));
  const absl::Time killed = absl::Now();
  cluster_->KillBroker(old_controller - 1);
  const int survivor = old_controller % 3;  // another broker's index
  int32_t new_controller = -1;
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<v1::GetMetadataResponse> now = Metadata(Address(survivor));
    if (!now.ok() || now->controller() < 1 || now->controller() == old_controller) return false;
    new_controller = now->controller();
    return true;
  }));
  std::cerr << "a new controller (broker " << new_controller << ") after "
            << absl::FormatDuration(absl::Now() - killed) << std::endl;
  // It works: it creates topics and marked the old one's partitions.
  ASSERT_OK(CreateTopic(Address(survivor), "after", 3));
  // Within a few seconds (the requirement): the lease of the dead
  // controller expires (2 s here) and a campaigner wins; measured at about
  // 2 s. 10 s is a correctness bound with room for a loaded machine, not a
  // benchmark.
  const absl::Duration takeover = absl::Now() - killed;
  EXPECT_LE(takeover, absl::Seconds(10))
      << "a controller served topic creation only after " << absl::FormatDuration(takeover);
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(Address(survivor), "after"));
  for (const auto& [p, leader] : leaders) EXPECT_NE(leader, old_controller);
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(Address(survivor), "before");
    if (!now.ok()) return false;
    for (const auto& [p, leader] : *now) {
      if (leader == old_controller) return false;
    }
    return true;
  }));
}

TEST_F(ClusterFailoverTest, BrokersCarryOnWhenTheEtcdLeaderIsLost) {
  // The default lease TTL, which outlasts etcd's election of a new leader
  // (a TTL shorter than that would expire the brokers' leases in the
  // keepers' reckoning, and they would step down until registered again).
  ASSERT_NO_FATAL_FAILURE(Start(3, /*lease_ttl_seconds=*/5));
  ASSERT_OK(CreateTopic(Address(0), "steady", 6));
  auto written = FillPartitions(Address(1), "steady", 6, 1);
  ASSERT_OK_AND_ASSIGN(int etcd_leader, cluster_->etcd().LeaderIndex());
  cluster_->etcd().Kill(etcd_leader);
  // Data keeps flowing through every broker while etcd elects a leader.
  for (int round = 2; round < 8; ++round) {
    auto more = FillPartitions(Address(round % 3), "steady", 6, round);
    for (auto& [p, values] : more)
      written[p].insert(written[p].end(), values.begin(), values.end());
  }
  ASSERT_OK(cluster_->etcd().WaitHealthy());
  // No broker lost its registration, and metadata changes work again.
  ASSERT_OK(cluster_->WaitForMembership());
  ASSERT_OK(CreateTopic(Address(2), "after-election", 3));
  for (int32_t p = 0; p < 6; ++p) {
    ASSERT_OK_AND_ASSIGN(auto read, FetchAll(Address(p % 3), "steady", p));
    EXPECT_EQ(Values(read), written[p]);
  }
  ASSERT_OK_AND_ASSIGN(v1::GetMetadataResponse metadata, Metadata(Address(0), "steady"));
  for (const v1::PartitionMetadata& partition : metadata.topics(0).partitions()) {
    EXPECT_EQ(partition.leader_epoch(), 0) << "no leader changed";
  }
  ASSERT_OK(cluster_->etcd().Restart(etcd_leader));
}

TEST_F(ClusterFailoverTest, AfterRestartingEverythingTopicsRecordsAndCommittedOffsetsAreThere) {
  ASSERT_NO_FATAL_FAILURE(Start(1));
  ASSERT_OK(CreateTopic(Address(0), "kept", 6));
  ASSERT_OK(CreateTopic(Address(1), "also-kept", 2));
  auto written = FillPartitions(Address(2), "kept", 6, 1);
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::CommitOffsetsRequest commit;
    commit.set_group("survivors");
    commit.set_topic("kept");
    for (int32_t p = 0; p < 6; ++p) {
      v1::CommittedOffset* offset = commit.add_offsets();
      offset->set_partition(p);
      offset->set_offset(1);
      offset->set_metadata("before the restart");
    }
    v1::CommitOffsetsResponse ignored;
    ASSERT_TRUE(StubTo(Address(1))->CommitOffsets(&context, commit, &ignored).ok());
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(int exit_status, cluster_->StopBroker(i));
    EXPECT_EQ(exit_status, 0);
  }
  cluster_->etcd().Kill(0);
  ASSERT_OK(cluster_->etcd().Restart(0));
  for (int i = 2; i >= 0; --i) ASSERT_OK(cluster_->StartBroker(i));
  ASSERT_OK(cluster_->WaitForMembership());

  grpc::ClientContext list;
  SetDeadline(&list);
  v1::ListTopicsResponse topics;
  ASSERT_TRUE(StubTo(Address(0))->ListTopics(&list, v1::ListTopicsRequest(), &topics).ok());
  std::set<std::string> names;
  for (const auto& topic : topics.topics()) names.insert(topic.name());
  EXPECT_EQ(names, (std::set<std::string>{"also-kept", "kept"}));
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(Address(0), "kept");
    if (!now.ok()) return false;
    for (const auto& [p, leader] : *now) {
      if (leader < 1) return false;
    }
    return true;
  }));
  for (int32_t p = 0; p < 6; ++p) {
    ASSERT_OK_AND_ASSIGN(auto read, FetchAll(Address((p + 1) % 3), "kept", p));
    EXPECT_EQ(Values(read), written[p]);
  }
  grpc::ClientContext fetch;
  SetDeadline(&fetch);
  v1::FetchCommittedOffsetsRequest read;
  read.set_group("survivors");
  read.set_topic("kept");
  v1::FetchCommittedOffsetsResponse committed;
  ASSERT_TRUE(StubTo(Address(2))->FetchCommittedOffsets(&fetch, read, &committed).ok());
  ASSERT_EQ(committed.offsets_size(), 6);
  for (const v1::CommittedOffset& offset : committed.offsets()) {
    EXPECT_EQ(offset.offset(), 1);
    EXPECT_EQ(offset.metadata(), "before the restart");
  }
}

// The HTTP status of /readyz on a broker's HTTP listener (0 if unreachable).
int ReadyzStatus(const std::string& http_address) {
  httplib::Client client(http_address);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  httplib::Result result = client.Get("/readyz");
  return result ? result->status : 0;
}

TEST_F(ClusterFailoverTest, ABrokerCutOffFromEtcdStopsLeadingAndLeadsAgainWhenBack) {
  ASSERT_NO_FATAL_FAILURE(Start(1));
  // Broker 3 reaches etcd through a proxy the test can cut.
  const std::string endpoint = cluster_->etcd().endpoint(0);
  TcpProxy proxy(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
  ASSERT_OK_AND_ASSIGN(int exit_status, cluster_->StopBroker(2));
  EXPECT_EQ(exit_status, 0);
  cluster_->SetEtcdEndpoints(2, proxy.address());
  ASSERT_OK(cluster_->StartBroker(2));
  ASSERT_OK(cluster_->WaitForMembership());
  ASSERT_OK(CreateTopic(Address(0), "fenced", 6));
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(Address(2), "fenced"));
  std::vector<int32_t> its;
  for (const auto& [p, leader] : leaders) {
    if (leader == 3) its.push_back(p);
  }
  ASSERT_FALSE(its.empty());
  for (int32_t p : its) ASSERT_OK(ProduceTo(Address(2), "fenced", p, {"before"}).status());
  EXPECT_EQ(ReadyzStatus(cluster_->http_address(2)), 200);

  proxy.Cut();
  // A call it must serve itself (as if forwarded): once its lease is gone
  // it refuses, although its clients still reach it. (Until then it may
  // lead: its lease is still valid.)
  const auto refuses_itself = [&](int32_t p) {
    return FetchAll(Address(2), "fenced", p, /*forwarded=*/true).status().code() ==
           absl::StatusCode::kUnavailable;
  };
  ASSERT_TRUE(Eventually([&] { return refuses_itself(its[0]); }));
  // Fenced: not ready, so a load balancer stops sending it clients.
  EXPECT_EQ(ReadyzStatus(cluster_->http_address(2)), 503);
  for (int32_t p : its) {
    EXPECT_TRUE(refuses_itself(p));
    EXPECT_EQ(ProduceTo(Address(2), "fenced", p, {"refused"}).status().code(),
              absl::StatusCode::kUnavailable);
  }
  // The others see it gone and its partitions without a leader.
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(Address(0), "fenced");
    return now.ok() && (*now)[its[0]] == -1;
  }));

  proxy.Restore();
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(Address(0), "fenced");
    return now.ok() && *now == leaders;
  }));
  EXPECT_TRUE(Eventually([&] { return ReadyzStatus(cluster_->http_address(2)) == 200; }));
  for (int32_t p : its) {
    ASSERT_TRUE(Eventually([&] { return ProduceTo(Address(2), "fenced", p, {"after"}).ok(); }));
    ASSERT_OK_AND_ASSIGN(auto read, FetchAll(Address(0), "fenced", p));
    EXPECT_EQ(Values(read), (std::vector<std::string>{"before", "after"}));
  }
}

TEST_F(ClusterFailoverTest, ATopicDeletedWhileABrokerIsDownIsGoneFromItWhenItReturns) {
  ASSERT_NO_FATAL_FAILURE(Start(1));
  ASSERT_OK(CreateTopic(Address(0), "doomed", 3));
  for (int32_t p = 0; p < 3; ++p) ASSERT_OK(ProduceTo(Address(0), "doomed", p, {"old"}).status());
  cluster_->KillBroker(2);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::DeleteTopicRequest request;
  request.set_name("doomed");
  v1::DeleteTopicResponse ignored;
  ASSERT_TRUE(StubTo(Address(0))->DeleteTopic(&context, request, &ignored).ok());
  ASSERT_OK(CreateTopic(Address(1), "doomed", 3));  // a new topic of the same name
  ASSERT_OK(cluster_->StartBroker(2));
  ASSERT_OK(cluster_->WaitForMembership());
  for (int32_t p = 0; p < 3; ++p) {
    // Whichever broker leads it now, the new topic starts empty: the old
    // one's data on the returning broker went with the old topic.
    for (int via = 0; via < 3; ++via) {
      ASSERT_OK_AND_ASSIGN(auto read, FetchAll(Address(via), "doomed", p));
      EXPECT_TRUE(read.empty()) << "partition " << p << " via " << via;
    }
  }
}

}  // namespace
}  // namespace eventlog::testing

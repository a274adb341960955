// Replicated topics as clients see them (docs/CLUSTER.md, "Replication"),
// on one shared cluster of a one-member etcd and three real eventlogd
// processes started with --default_replication_factor=2: a topic's
// replication factor places that many replicas of each partition on
// distinct brokers, GetMetadata and DescribeTopic show them with the ISR,
// a factor the cluster cannot honour is refused, and a follower that goes
// leaves the ISR as soon as its registration does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

class ReplicationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    BrokerClusterOptions options;
    options.flags = {"--default_replication_factor=2"};
    absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = started->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) std::cerr << cluster_->LogTails();
  }

  static const std::string& Address(int i) { return cluster_->address(i); }

  static absl::StatusOr<v1::TopicDescription> Describe(const std::string& address,
                                                       const std::string& topic) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::DescribeTopicRequest request;
    request.set_name(topic);
    v1::TopicDescription description;
    grpc::Status status = StubTo(address)->DescribeTopic(&context, request, &description);
    if (!status.ok())
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    return description;
  }

  static BrokerCluster* cluster_;
};

BrokerCluster* ReplicationTest::cluster_ = nullptr;

TEST_F(ReplicationTest, EachPartitionHasItsReplicasOnDistinctBrokersAndEveryBrokerSaysSo) {
  const std::string topic = "three-copies";
  ASSERT_OK(CreateTopic(Address(0), topic, 6, /*replication_factor=*/3));
  ASSERT_OK_AND_ASSIGN(v1::GetMetadataResponse metadata, Metadata(Address(1), topic));
  ASSERT_EQ(metadata.topics_size(), 1);
  ASSERT_EQ(metadata.topics(0).partitions_size(), 6);
  std::map<int32_t, int> preferred;  // broker -> partitions it leads
  for (const v1::PartitionMetadata& partition : metadata.topics(0).partitions()) {
    const std::set<int32_t> replicas(partition.replicas().begin(), partition.replicas().end());
    EXPECT_EQ(replicas, (std::set<int32_t>{1, 2, 3})) << "partition " << partition.partition();
    ASSERT_EQ(partition.replicas_size(), 3);
    EXPECT_EQ(partition.leader(), partition.replicas(0)) << "the preferred replica leads";
    // Created with every replica in sync (empty logs agree).
    EXPECT_EQ(std::set<int32_t>(partition.isr().begin(), partition.isr().end()), replicas);
    ++preferred[partition.leader()];
  }
  EXPECT_EQ(preferred, (std::map<int32_t, int>{{1, 2}, {2, 2}, {3, 2}}))
      << "leadership spreads like the replicas";
  // DescribeTopic through each broker shows the same replicas and ISR.
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(v1::TopicDescription description, Describe(Address(i), topic));
    ASSERT_EQ(description.partitions_size(), 6);
    for (const v1::PartitionInfo& partition : description.partitions()) {
      const v1::PartitionMetadata& expected = metadata.topics(0).partitions(partition.partition());
      EXPECT_EQ(partition.leader(), expected.leader());
      EXPECT_EQ(std::vector<int32_t>(partition.replicas().begin(), partition.replicas().end()),
                std::vector<int32_t>(expected.replicas().begin(), expected.replicas().end()))
          << "partition " << partition.partition() << " via broker " << i + 1;
      EXPECT_EQ(std::vector<int32_t>(partition.isr().begin(), partition.isr().end()),
                std::vector<int32_t>(expected.isr().begin(), expected.isr().end()));
    }
  }
  // Records go to the leaders and read back through any broker.
  ASSERT_OK(ProduceTo(Address(2), topic, 0, {"a", "b"}).status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> records, FetchAll(Address(1), topic, 0));
  EXPECT_EQ(records.size(), 2u);
}

TEST_F(ReplicationTest, ReplicationFactorZeroIsTheBrokersDefault) {
  const std::string topic = "default-copies";
  ASSERT_OK(CreateTopic(Address(1), topic, 3));
  ASSERT_OK_AND_ASSIGN(v1::TopicDescription description, Describe(Address(2), topic));
  ASSERT_EQ(description.partitions_size(), 3);
  for (const v1::PartitionInfo& partition : description.partitions()) {
    ASSERT_EQ(partition.replicas_size(), 2);
    EXPECT_NE(partition.replicas(0), partition.replicas(1));
    EXPECT_EQ(partition.isr_size(), 2);
  }
}

TEST_F(ReplicationTest, AFactorTheClusterCannotHonourIsRefusedAndCreatesNothing) {
  absl::Status four = CreateTopic(Address(0), "four-copies", 1, 4);
  EXPECT_THAT(four, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(four.message()), ::testing::HasSubstr("3 are registered"));
  absl::Status negative = CreateTopic(Address(1), "negative-copies", 1, -1);
  EXPECT_THAT(negative, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(negative.message()), ::testing::HasSubstr("replication_factor is -1"));
  for (const std::string topic : {"four-copies", "negative-copies"}) {
    EXPECT_THAT(Describe(Address(2), topic).status(), StatusIs(absl::StatusCode::kNotFound));
  }
}

// Kafka's ISR shrink on broker fencing: when a broker's registration goes
// (killed: its lease runs out, 2 s here; stopped: it revokes it), the
// controller takes it out of the ISR of the partitions it follows, so
// ACKS_ALL goes on long before the leader's --replica_lag_time_max_ms (10 s
// here) would have dropped it; back and caught up, it rejoins. Last in the
// suite: it stops brokers (and starts them again).
TEST_F(ReplicationTest, ABrokerThatGoesLeavesTheIsrsItFollowsAtOnceAndRejoinsWhenBack) {
  const std::string topic = "followers-go";
  ASSERT_OK(CreateTopic(Address(0), topic, 1, /*replication_factor=*/3));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata initial, PartitionStateAt(Address(0), topic));
  ASSERT_EQ(initial.isr_size(), 3);
  const int leader = initial.leader() - 1;  // broker index
  const std::string at = Address(leader);
  ASSERT_OK_AND_ASSIGN(v1::GetMetadataResponse metadata, Metadata(at, topic));
  // Killed first, a follower that is not the controller (whose death
  // would add an election to the wait); the other one is stopped.
  int killed = (leader + 1) % 3;
  if (BrokerCluster::BrokerId(killed) == metadata.controller()) killed = (leader + 2) % 3;
  const int stopped = 3 - leader - killed;
  ASSERT_OK(ProduceTo(at, topic, 0, {"all three in sync"}).status());

  // An ACKS_ALL record (ProduceTo's default) sent right after the follower
  // goes; how long until the leader acknowledges it.
  auto acknowledged_after = [&](absl::Time gone, const std::string& value) {
    absl::StatusOr<v1::ProduceResponse> produced = ProduceTo(at, topic, 0, {value});
    EXPECT_OK(produced.status());
    return absl::Now() - gone;
  };
  auto expect_out_of_isr = [&](int index) {
    ASSERT_OK_AND_ASSIGN(v1::TopicDescription description, Describe(at, topic));
    ASSERT_EQ(description.partitions_size(), 1);
    const v1::PartitionInfo& partition = description.partitions(0);
    EXPECT_EQ(partition.leader(), initial.leader());
    EXPECT_EQ(partition.leader_epoch(), initial.leader_epoch()) << "an ISR change only";
    EXPECT_THAT(std::vector<int32_t>(partition.isr().begin(), partition.isr().end()),
                ::testing::Not(::testing::Contains(BrokerCluster::BrokerId(index))));
  };
  auto rejoins = [&](int index) {
    ASSERT_OK(cluster_->StartBroker(index));
    ASSERT_OK(
        WaitForPartitionState(
            at, topic, [&](const v1::PartitionMetadata& state) { return state.isr_size() == 3; })
            .status())
        << "broker " << BrokerCluster::BrokerId(index) << " back in the ISR";
  };

  cluster_->KillBroker(killed);
  const absl::Duration after_kill = acknowledged_after(absl::Now(), "after the kill");
  ASSERT_NO_FATAL_FAILURE(expect_out_of_isr(killed));
  ASSERT_NO_FATAL_FAILURE(rejoins(killed));

  const absl::Time stopping = absl::Now();
  ASSERT_OK(cluster_->StopBroker(stopped).status());
  const absl::Duration after_stop = acknowledged_after(stopping, "after the stop");
  ASSERT_NO_FATAL_FAILURE(expect_out_of_isr(stopped));
  ASSERT_NO_FATAL_FAILURE(rejoins(stopped));

  std::cout << "ACKS_ALL acknowledged " << absl::ToDoubleSeconds(after_kill)
            << " s after a follower's SIGKILL, " << absl::ToDoubleSeconds(after_stop)
            << " s after a follower's SIGTERM (the lag time is 10 s)" << std::endl;
  // Well under the 10 s lag time, with room for a loaded machine: about a
  // lease TTL (2 s) after a kill, at once after a clean stop.
  EXPECT_LT(after_kill, absl::Seconds(6));
  EXPECT_LT(after_stop, absl::Seconds(6));
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> records, FetchAll(Address(killed), topic, 0));
  EXPECT_EQ(records.size(), 3u);
}

}  // namespace
}  // namespace eventlog::testing

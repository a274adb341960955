// A replicated topic's own settings on real eventlogd processes and etcd
// (issue 14, docs/CLUSTER.md "Replication"): min_insync_replicas as a topic
// config (kept in the topic's record, shown by DescribeTopic), an ACKS_ALL
// request that the ISR's shrink below it leaves unacknowledged
// (NOT_ENOUGH_REPLICAS_AFTER_APPEND), and unclean leader election, off by
// default and per topic when opted in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<v1::TopicDescription> CreateWith(const std::string& address, const std::string& name,
                                                int replication_factor,
                                                const v1::TopicConfig& config) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CreateTopicRequest request;
  request.set_name(name);
  request.set_partitions(1);
  request.set_replication_factor(replication_factor);
  *request.mutable_config() = config;
  v1::TopicDescription response;
  grpc::Status status = StubTo(address)->CreateTopic(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::TopicDescription> Describe(const std::string& address, const std::string& name) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::DescribeTopicRequest request;
  request.set_name(name);
  v1::TopicDescription response;
  grpc::Status status = StubTo(address)->DescribeTopic(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::Status Produce(const std::string& address, const std::string& topic, v1::Acks acks,
                     const std::string& value) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ProduceRequest request;
  request.set_topic(topic);
  request.set_partition(0);
  request.set_acks(acks);
  request.add_records()->set_value(value);
  v1::ProduceResponse response;
  return FromGrpc(StubTo(address)->Produce(&context, request, &response));
}

std::vector<std::string> Values(const std::vector<v1::Record>& records) {
  std::vector<std::string> values;
  for (const v1::Record& record : records) values.push_back(record.value());
  return values;
}

class ReplicationConfigTest : public ::testing::Test {
 protected:
  void Start(int brokers) {
    BrokerClusterOptions options;
    options.brokers = brokers;
    options.flags = {"--replica_lag_time_max_ms=3000"};  // the broker default stays 1
    absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) std::cerr << cluster_->LogTails();
  }

  std::unique_ptr<BrokerCluster> cluster_;
};

TEST_F(ReplicationConfigTest, MinInsyncReplicasIsATopicConfigShownByDescribeTopic) {
  ASSERT_NO_FATAL_FAILURE(Start(3));
  v1::TopicConfig config;
  config.set_min_insync_replicas(2);
  config.set_unclean_leader_election_enable(true);
  ASSERT_OK_AND_ASSIGN(v1::TopicDescription created,
                       CreateWith(cluster_->address(1), "strict", 3, config));
  EXPECT_EQ(created.config().min_insync_replicas(), 2);
  EXPECT_TRUE(created.config().unclean_leader_election_enable());
  // Every broker shows the topic's values, whatever its own defaults.
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(v1::TopicDescription described, Describe(cluster_->address(i), "strict"));
    EXPECT_EQ(described.config().min_insync_replicas(), 2) << "broker " << i;
    EXPECT_TRUE(described.config().unclean_leader_election_enable()) << "broker " << i;
  }
  // Unset: the broker flag's value (1), unclean election off.
  ASSERT_OK_AND_ASSIGN(v1::TopicDescription plain,
                       CreateWith(cluster_->address(0), "plain", 3, v1::TopicConfig()));
  EXPECT_EQ(plain.config().min_insync_replicas(), 1);
  EXPECT_FALSE(plain.config().unclean_leader_election_enable());

  config.set_min_insync_replicas(3);
  EXPECT_THAT(CreateWith(cluster_->address(0), "impossible", 2, config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  config.set_min_insync_replicas(-1);
  EXPECT_THAT(CreateWith(cluster_->address(0), "negative", 2, config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReplicationConfigTest, AnIsrShrinkingBelowTheTopicsMinimumFailsAWaitingAcksAll) {
  ASSERT_NO_FATAL_FAILURE(Start(2));
  v1::TopicConfig config;
  config.set_min_insync_replicas(2);
  ASSERT_OK(CreateWith(cluster_->address(0), "strict", 2, config).status());
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata initial,
                       PartitionStateAt(cluster_->address(0), "strict"));
  const int leader = initial.leader() - 1;
  const std::string at = cluster_->address(leader);
  ASSERT_OK(Produce(at, "strict", v1::ACKS_ALL, "both in sync"));

  cluster_->KillBroker(1 - leader);
  // Written on the leader, then waiting for the dead follower until the
  // leader drops it from the ISR (3 s): below the minimum, so it fails.
  const absl::Status waited = Produce(at, "strict", v1::ACKS_ALL, "written, not acknowledged");
  EXPECT_THAT(waited, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(waited.message()), ::testing::HasSubstr("was written"));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata shrunk, PartitionStateAt(at, "strict"));
  EXPECT_EQ(shrunk.isr_size(), 1);

  // Now refused before anything is written; ACKS_LEADER still works.
  const absl::Status refused = Produce(at, "strict", v1::ACKS_ALL, "refused");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("nothing was written"));
  ASSERT_OK(Produce(at, "strict", v1::ACKS_LEADER, "leader only"));
  std::vector<v1::Record> records;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (records.size() < 3 && absl::Now() < deadline) {
    ASSERT_OK_AND_ASSIGN(records, FetchAll(at, "strict", 0));
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(Values(records),
              ::testing::ElementsAre("both in sync", "written, not acknowledged", "leader only"));
}

// Two brokers, a topic of each kind on both: the follower falls out of the
// ISR, the leader takes a record alone, then dies, and the follower returns.
TEST_F(ReplicationConfigTest, OnlyATopicThatOptsInElectsAnOutOfSyncReplica) {
  ASSERT_NO_FATAL_FAILURE(Start(2));
  v1::TopicConfig unclean;
  unclean.set_unclean_leader_election_enable(true);
  ASSERT_OK(CreateWith(cluster_->address(0), "clean", 2, v1::TopicConfig()).status());
  ASSERT_OK(CreateWith(cluster_->address(0), "unclean", 2, unclean).status());
  for (const char* topic : {"clean", "unclean"}) {
    ASSERT_OK(Produce(cluster_->address(0), topic, v1::ACKS_ALL, "on both"));
  }
  // Broker 2 goes; broker 1 leads both, alone in their ISRs.
  cluster_->KillBroker(1);
  for (const char* topic : {"clean", "unclean"}) {
    ASSERT_OK(
        WaitForPartitionState(cluster_->address(0), topic, [](const v1::PartitionMetadata& state) {
          return state.leader() == 1 && state.isr_size() == 1;
        }).status());
    ASSERT_OK(Produce(cluster_->address(0), topic, v1::ACKS_ALL, "on broker 1 only"));
  }
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata before,
                       PartitionStateAt(cluster_->address(0), "unclean"));

  // Broker 1 goes, broker 2 returns: only an out-of-sync replica is live.
  cluster_->KillBroker(0);
  ASSERT_OK(cluster_->StartBroker(1));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata elected,
                       WaitForPartitionState(
                           cluster_->address(1), "unclean",
                           [](const v1::PartitionMetadata& state) { return state.leader() == 2; }));
  EXPECT_GT(elected.leader_epoch(), before.leader_epoch());
  EXPECT_THAT(elected.isr(), ::testing::ElementsAre(2));
  // The controller's pass that elected it saw the clean topic with the same
  // live brokers; it stays without a leader.
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata clean,
                       PartitionStateAt(cluster_->address(1), "clean"));
  EXPECT_EQ(clean.leader(), -1);
  EXPECT_THAT(Produce(cluster_->address(1), "clean", v1::ACKS_ALL, "refused"),
              StatusIs(absl::StatusCode::kUnavailable));

  // The unclean leader serves what it had: the record only broker 1 took is
  // lost, as the topic accepted. New records go on from its log end.
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> kept, FetchAll(cluster_->address(1), "unclean", 0));
  EXPECT_THAT(Values(kept), ::testing::ElementsAre("on both"));
  ASSERT_OK(Produce(cluster_->address(1), "unclean", v1::ACKS_ALL, "after the election"));

  // Broker 1 returns: it leads the clean topic again with everything, and
  // follows the unclean one after truncating to the new leader's epoch.
  ASSERT_OK(cluster_->StartBroker(0));
  // Asked of broker 1 itself: its view may trail broker 2's by a moment, and
  // it is the broker read next.
  ASSERT_OK(
      WaitForPartitionState(cluster_->address(0), "clean", [](const v1::PartitionMetadata& state) {
        return state.leader() == 1;
      }).status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> clean_records,
                       FetchAll(cluster_->address(0), "clean", 0));
  EXPECT_THAT(Values(clean_records), ::testing::ElementsAre("on both", "on broker 1 only"));
  ASSERT_OK(WaitForPartitionState(cluster_->address(1), "unclean",
                                  [](const v1::PartitionMetadata& state) {
                                    return state.leader() == 2 && state.isr_size() == 2;
                                  })
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> unclean_records,
                       FetchAll(cluster_->address(1), "unclean", 0));
  EXPECT_THAT(Values(unclean_records), ::testing::ElementsAre("on both", "after the election"));
}

}  // namespace
}  // namespace eventlog::testing

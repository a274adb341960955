// The C++ client library (clients/cpp) against a three-broker cluster: a
// Client made from a server list reaches any broker, which serves every
// call, and the same Producers (routed to leaders, and forwarding through the
// Client's broker) and the same Consumer keep working when the broker the
// Client first reached is killed: the producers fail only the batches in
// flight and reopen their streams, the consumer re-subscribes from its
// positions, reading every record exactly once; a group member rejoins from
// its commit.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cpp/client.h"
#include "clients/cpp/consumer.h"
#include "clients/cpp/producer.h"
#include "tests/eventually.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

// `count` records to `partition`, flushed; the first error.
absl::Status SendAll(client::Producer& producer, int32_t partition, const std::string& value,
                     int count) {
  std::vector<client::RecordFuture> futures;
  for (int i = 0; i < count; ++i) futures.push_back(producer.Send("", value, partition));
  for (const client::RecordFuture& future : futures) {
    absl::StatusOr<client::RecordMetadata> meta = future.Get();
    if (!meta.ok()) return meta.status();
  }
  return absl::OkStatus();
}

// Reads with `consumer` until `count` more records arrived (or 60 s passed
// without them all), recording each (partition, offset) and value.
void ReadRecords(client::Consumer& consumer, int64_t count,
                 std::map<int32_t, std::vector<int64_t>>& offsets,
                 std::map<std::string, int>& values) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (int64_t n = 0; n < count && absl::Now() < deadline;) {
    ASSERT_OK_AND_ASSIGN(const v1::Record* record, consumer.Poll(absl::Seconds(1)));
    if (record == nullptr) continue;
    offsets[record->partition()].push_back(record->offset());
    ++values[record->value()];
    ++n;
  }
}

// Whether every partition of `description` has a copy on each of the three
// brokers, all of them in sync, led by one of them.
bool FullyReplicated(const v1::TopicDescription& description) {
  const std::set<int32_t> brokers = {BrokerCluster::BrokerId(0), BrokerCluster::BrokerId(1),
                                     BrokerCluster::BrokerId(2)};
  for (const v1::PartitionInfo& partition : description.partitions()) {
    const std::set<int32_t> replicas(partition.replicas().begin(), partition.replicas().end());
    const std::set<int32_t> isr(partition.isr().begin(), partition.isr().end());
    if (partition.replicas_size() != 3 || replicas != brokers || isr != brokers ||
        replicas.count(partition.leader()) == 0) {
      return false;
    }
  }
  return description.partitions_size() > 0;
}

// A topic created with replication_factor 3 (and min_insync_replicas 2)
// through `client`: three copies, all in sync, on every partition.
void ExpectReplicatedTopic(client::Client& client, const BrokerCluster& cluster) {
  v1::TopicConfig config;
  config.set_min_insync_replicas(2);
  ASSERT_OK_AND_ASSIGN(v1::TopicDescription created,
                       client.CreateTopic("cpp-replicated", 3, config, /*replication_factor=*/3));
  EXPECT_EQ(created.config().min_insync_replicas(), 2);
  v1::TopicDescription described;
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<v1::TopicDescription> latest = client.DescribeTopic("cpp-replicated");
    if (latest.ok()) described = *latest;
    return latest.ok() && FullyReplicated(described);
  })) << described.DebugString()
      << cluster.LogTails();
  EXPECT_EQ(described.config().min_insync_replicas(), 2);
  EXPECT_THAT(client.CreateTopic("cpp-too-many-copies", 1, {}, 4),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(ClusterCppClientTest, TheSameProducersAndConsumerKeepWorkingWhenTheFirstBrokerIsKilled) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start());
  client::Client client(cluster->addresses());  // reaches broker 0 (id 1) first
  // The cluster is expensive to start: the replication check shares it.
  ASSERT_NO_FATAL_FAILURE(ExpectReplicatedTopic(client, *cluster));
  ASSERT_OK(client.CreateTopic("cpp-failover", 6).status());
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(cluster->address(1), "cpp-failover"));
  std::vector<int32_t> surviving;
  for (const auto& [partition, leader] : leaders) {
    if (leader != BrokerCluster::BrokerId(0)) surviving.push_back(partition);
  }
  ASSERT_FALSE(surviving.empty());
  ASSERT_LT(surviving.size(), leaders.size());
  const int32_t lost_partition = [&] {
    for (const auto& entry : leaders) {
      if (entry.second == BrokerCluster::BrokerId(0)) return entry.first;
    }
    return -1;
  }();

  // One producer sends to leaders directly, the other through the Client's
  // broker (broker 0), which forwards.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Producer> routed,
                       client::Producer::Create(client, "cpp-failover"));
  client::ProducerOptions forwarding_options;
  forwarding_options.route_to_leaders = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Producer> forwarded,
                       client::Producer::Create(client, "cpp-failover", forwarding_options));
  for (int32_t p = 0; p < 6; ++p) ASSERT_OK(SendAll(*routed, p, "before", 10));
  for (int32_t p : surviving) ASSERT_OK(SendAll(*forwarded, p, "fwd-before", 5));

  // A consumer subscribed through broker 0 reads part of the records.
  client::ConsumerOptions options;
  options.partitions = surviving;
  options.start_from = v1::START_FROM_EARLIEST;
  options.max_batch_records = 3;  // several batches, some read after the kill
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Consumer> consumer,
                       client::Consumer::Create(client, "cpp-failover", options));
  std::map<int32_t, std::vector<int64_t>> offsets;
  std::map<std::string, int> values;
  const int64_t read_before = static_cast<int64_t>(surviving.size()) * 5;
  ASSERT_NO_FATAL_FAILURE(ReadRecords(*consumer, read_before, offsets, values));
  ASSERT_EQ(values["before"] + values["fwd-before"], read_before);

  cluster->KillBroker(0);
  // The same producers: the batches in flight when the broker went away may
  // fail (UNAVAILABLE); the streams reopen through the next broker of the
  // list, and from then on every record is acknowledged.
  for (client::Producer* producer : {routed.get(), forwarded.get()}) {
    ASSERT_TRUE(Eventually([&] { return SendAll(*producer, surviving[0], "probe", 1).ok(); }))
        << cluster->LogTails();
  }
  for (int32_t p : surviving) ASSERT_OK(SendAll(*routed, p, "after", 10));
  for (int32_t p : surviving) ASSERT_OK(SendAll(*forwarded, p, "fwd-after", 5));
  // The killed broker's partitions are unavailable (one copy of each).
  absl::Status lost = SendAll(*routed, lost_partition, "lost", 1);
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
  ASSERT_OK(forwarded->Close());
  routed->Close().IgnoreError();  // its stream to broker 0 may have ended unused

  // The same consumer: every surviving partition to its end, each record
  // exactly once (it resumes after the last record it returned).
  ASSERT_OK_AND_ASSIGN(std::vector<v1::PartitionOffset> ends,
                       client.ListOffsets("cpp-failover", v1::OFFSET_SPEC_LATEST, 0, surviving));
  int64_t total = 0;
  for (const v1::PartitionOffset& end : ends) total += end.offset();
  ASSERT_NO_FATAL_FAILURE(ReadRecords(*consumer, total - read_before, offsets, values));
  for (const v1::PartitionOffset& end : ends) {
    std::vector<int64_t> expected;
    for (int64_t o = 0; o < end.offset(); ++o) expected.push_back(o);
    EXPECT_EQ(offsets[end.partition()], expected) << "partition " << end.partition();
  }
  const int per_partition = static_cast<int>(surviving.size());
  EXPECT_EQ(values["before"], per_partition * 10);
  EXPECT_EQ(values["after"], per_partition * 10);
  EXPECT_EQ(values["fwd-before"], per_partition * 5);
  EXPECT_EQ(values["fwd-after"], per_partition * 5);
  EXPECT_GE(values["probe"], 2);
  EXPECT_EQ(values["before"] + values["after"] + values["fwd-before"] + values["fwd-after"] +
                values["probe"],
            total);
  consumer->Close();

  // Back on restart, leading its partitions with their records.
  ASSERT_OK(cluster->StartBroker(0));
  ASSERT_OK(cluster->WaitForMembership());
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(cluster->address(1), "cpp-failover");
    return now.ok() && *now == leaders;
  }));
  ASSERT_OK_AND_ASSIGN(ends, client.ListOffsets("cpp-failover", v1::OFFSET_SPEC_LATEST));
  for (const v1::PartitionOffset& end : ends) {
    if (leaders[end.partition()] == BrokerCluster::BrokerId(0)) {
      EXPECT_EQ(end.offset(), 10) << "partition " << end.partition();
    }
  }
}

TEST(ClusterCppClientTest, AGroupMemberRejoinsThroughTheNextBrokerWhenItsBrokerIsKilled) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start());
  client::Client client(cluster->addresses());  // reaches broker 0 (id 1) first
  ASSERT_OK(client.CreateTopic("cpp-group", 6).status());
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(cluster->address(1), "cpp-group"));
  std::vector<int32_t> surviving;
  for (const auto& [partition, leader] : leaders) {
    if (leader != BrokerCluster::BrokerId(0)) surviving.push_back(partition);
  }
  ASSERT_FALSE(surviving.empty());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Producer> producer,
                       client::Producer::Create(client, "cpp-group"));
  for (int32_t p : surviving) ASSERT_OK(SendAll(*producer, p, "before", 5));

  client::ConsumerOptions options;
  options.group = "cpp-members";
  options.reset_to = v1::START_FROM_EARLIEST;
  options.auto_commit_interval = absl::ZeroDuration();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Consumer> consumer,
                       client::Consumer::Create(client, "cpp-group", options));
  std::map<int32_t, std::vector<int64_t>> offsets;
  std::map<std::string, int> values;
  const int64_t before = static_cast<int64_t>(surviving.size()) * 5;
  ASSERT_NO_FATAL_FAILURE(ReadRecords(*consumer, before, offsets, values));
  ASSERT_EQ(values["before"], before);
  ASSERT_OK(consumer->Commit());  // the member rejoins from here
  const int64_t assignments = consumer->assignments_received();

  cluster->KillBroker(0);
  ASSERT_TRUE(Eventually([&] { return SendAll(*producer, surviving[0], "probe", 1).ok(); }))
      << cluster->LogTails();
  for (int32_t p : surviving) ASSERT_OK(SendAll(*producer, p, "after", 5));
  producer->Close().IgnoreError();

  // The same consumer, through another broker: a new assignment, then the
  // records after the commit (the committed ones are not delivered again).
  ASSERT_OK_AND_ASSIGN(std::vector<v1::PartitionOffset> ends,
                       client.ListOffsets("cpp-group", v1::OFFSET_SPEC_LATEST, 0, surviving));
  int64_t total = 0;
  for (const v1::PartitionOffset& end : ends) total += end.offset();
  ASSERT_NO_FATAL_FAILURE(ReadRecords(*consumer, total - before, offsets, values));
  EXPECT_GT(consumer->assignments_received(), assignments);
  for (const v1::PartitionOffset& end : ends) {
    std::vector<int64_t> expected;
    for (int64_t o = 0; o < end.offset(); ++o) expected.push_back(o);
    EXPECT_EQ(offsets[end.partition()], expected) << "partition " << end.partition();
  }
  EXPECT_EQ(values["before"], before);
  EXPECT_EQ(values["after"], before);
  consumer->Close();
}

}  // namespace
}  // namespace eventlog::testing

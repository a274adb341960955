// The C++ client library (clients/cpp) against a three-broker cluster: a
// Client made from a server list reaches any broker, which serves every
// call, and keeps working when the broker it first reached is killed. The
// producer does not retry (clients/cpp/producer.h): a stream broken by the
// kill fails its records, and a new Producer on the same Client carries on
// through the next broker of the list.
#include <gtest/gtest.h>

#include <map>
#include <memory>
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

TEST(ClusterCppClientTest, AClientWithAServerListKeepsWorkingWhenItsFirstBrokerIsKilled) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start());
  client::Client client(cluster->addresses());  // reaches broker 0 (id 1) first
  ASSERT_OK(client.CreateTopic("cpp-failover", 6).status());
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(cluster->address(1), "cpp-failover"));
  std::vector<int32_t> surviving;
  for (const auto& [partition, leader] : leaders) {
    if (leader != BrokerCluster::BrokerId(0)) surviving.push_back(partition);
  }
  ASSERT_FALSE(surviving.empty());
  ASSERT_LT(surviving.size(), leaders.size());

  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Producer> producer,
                         client::Producer::Create(client, "cpp-failover"));
    // Every partition, wherever it is led: the broker reached forwards.
    for (int32_t p = 0; p < 6; ++p) ASSERT_OK(SendAll(*producer, p, "before", 10));
    ASSERT_OK(producer->Close());
  }

  cluster->KillBroker(0);
  // A new producer on the same Client: it fails while the channel moves to
  // the next broker of the list (UNAVAILABLE), never after.
  std::unique_ptr<client::Producer> producer;
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::unique_ptr<client::Producer>> created =
        client::Producer::Create(client, "cpp-failover");
    if (!created.ok()) return false;
    if (!SendAll(**created, surviving[0], "probe", 1).ok()) return false;
    producer = *std::move(created);
    return true;
  })) << cluster->LogTails();
  for (int32_t p : surviving) ASSERT_OK(SendAll(*producer, p, "after", 10));
  ASSERT_OK(producer->Close());
  // The killed broker's partitions are unavailable (one copy of each).
  for (const auto& [partition, leader] : leaders) {
    if (leader != BrokerCluster::BrokerId(0)) continue;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Producer> refused,
                         client::Producer::Create(client, "cpp-failover"));
    absl::Status status = SendAll(*refused, partition, "lost", 1);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    refused->Close().IgnoreError();  // its stream may have ended with that error
    break;
  }

  // Read back through the same Client: every surviving partition to its end.
  ASSERT_OK_AND_ASSIGN(std::vector<v1::PartitionOffset> ends,
                       client.ListOffsets("cpp-failover", v1::OFFSET_SPEC_LATEST, 0, surviving));
  int64_t total = 0;
  for (const v1::PartitionOffset& end : ends) total += end.offset();
  client::ConsumerOptions options;
  options.partitions = surviving;
  options.start_from = v1::START_FROM_EARLIEST;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<client::Consumer> consumer,
                       client::Consumer::Create(client, "cpp-failover", options));
  std::map<std::string, int> values;
  for (int64_t n = 0; n < total; ++n) {
    ASSERT_OK_AND_ASSIGN(const v1::Record* record, consumer->Poll(absl::Seconds(30)));
    ASSERT_NE(record, nullptr) << "only " << n << " of " << total << " records";
    ++values[record->value()];
  }
  const int per_kind = static_cast<int>(surviving.size()) * 10;
  EXPECT_EQ(values["before"], per_kind);
  EXPECT_EQ(values["after"], per_kind);
  EXPECT_GE(values["probe"], 1);
  EXPECT_EQ(values["before"] + values["after"] + values["probe"], total);
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

}  // namespace
}  // namespace eventlog::testing

// /metrics in a cluster (docs/CLUSTER.md, "Metrics in a cluster"): three
// brokers with their HTTP listeners; records produced through one broker to
// every partition are counted once in the cluster (by their leaders, not by
// the broker that forwarded them, which counts them as forwarded), and each
// partition's gauges come from its leader only.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

// The samples of `family` for topic `topic` in a /metrics page: the value
// of `label` (or "" when unlabelled otherwise) -> value.
std::map<std::string, int64_t> Samples(const std::string& page, const std::string& family,
                                       const std::string& topic, const std::string& label) {
  std::map<std::string, int64_t> samples;
  std::istringstream lines(page);
  const std::string topic_label = absl::StrCat("topic=\"", topic, "\"");
  for (std::string line; std::getline(lines, line);) {
    if (!absl::StartsWith(line, family + "{") || !absl::StrContains(line, topic_label)) continue;
    std::string key;
    if (!label.empty()) {
      const std::string marker = label + "=\"";
      const size_t at = line.find(marker);
      if (at == std::string::npos) continue;
      const size_t end = line.find('"', at + marker.size());
      key = line.substr(at + marker.size(), end - at - marker.size());
    }
    double value = 0;
    EXPECT_TRUE(absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) << line;
    samples[key] = static_cast<int64_t>(value);
  }
  return samples;
}

std::string MetricsPage(const std::string& http_address) {
  httplib::Client client(http_address);
  client.set_connection_timeout(10);
  client.set_read_timeout(30);
  httplib::Result result = client.Get("/metrics");
  EXPECT_TRUE(result) << http_address;
  if (!result) return "";
  EXPECT_EQ(result->status, 200);
  return result->body;
}

TEST(ClusterMetricsTest, RecordsAndPartitionsAreCountedOnceByTheirLeaders) {
  BrokerClusterOptions options;
  options.flags = {"--http_listen=127.0.0.1:0"};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start(options));
  ASSERT_OK(CreateTopic(cluster->address(0), "metered", 6));
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(cluster->address(0), "metered"));
  // Five records per partition, all sent to broker 0: it forwards 2/3 of them.
  for (int32_t p = 0; p < 6; ++p) {
    ASSERT_OK(ProduceTo(cluster->address(0), "metered", p, {"a", "b", "c", "d", "e"}).status());
  }

  int64_t produced = 0;
  std::map<std::string, int> reported;  // partition -> brokers that report it
  for (int i = 0; i < cluster->size(); ++i) {
    const std::string http = cluster->http_address(i);
    ASSERT_FALSE(http.empty()) << "broker " << i << " has no HTTP listener";
    const std::string page = MetricsPage(http);
    ASSERT_TRUE(absl::StrContains(page, absl::StrCat("eventlog_broker_info{broker_id=\"",
                                                     BrokerCluster::BrokerId(i), "\"} 1")))
        << page;
    int led = 0;
    for (const auto& [partition, leader] : leaders) led += leader == BrokerCluster::BrokerId(i);
    const auto records =
        Samples(page, "eventlog_topic_records_produced_total", "metered", /*label=*/"");
    const int64_t here = records.empty() ? 0 : records.begin()->second;
    EXPECT_EQ(here, 5 * led) << "broker " << i << " leads " << led << " partitions";
    // Broker 0 forwarded the records of the partitions it does not lead.
    const std::string forwarded =
        absl::StrCat("eventlog_produce_forwarded_records_total ", i == 0 ? 5 * (6 - led) : 0);
    EXPECT_TRUE(absl::StrContains(page, forwarded)) << "broker " << i << ": " << forwarded;
    produced += here;
    for (const auto& [partition, value] :
         Samples(page, "eventlog_partition_high_watermark", "metered", "partition")) {
      EXPECT_EQ(leaders[std::atoi(partition.c_str())], BrokerCluster::BrokerId(i))
          << "broker " << i << " reports partition " << partition << ", which it does not lead";
      EXPECT_EQ(value, 5) << "partition " << partition;
      ++reported[partition];
    }
  }
  EXPECT_EQ(produced, 30);
  EXPECT_EQ(reported.size(), 6u);
  for (const auto& [partition, brokers] : reported) EXPECT_EQ(brokers, 1) << partition;

  // A group committed 2 of 5 on every partition: its coordinator knows the
  // lag of the partitions it leads only. Those led elsewhere are left out
  // (they were summed as -1 records each, making the lag negative).
  for (int32_t p = 0; p < 6; ++p) {
    v1::CommitOffsetRequest commit;
    commit.set_group("metered-group");
    commit.set_topic("metered");
    commit.set_partition(p);
    commit.set_offset(2);
    v1::CommitOffsetResponse committed;
    grpc::ClientContext context;
    SetDeadline(&context);
    ASSERT_TRUE(StubTo(cluster->address(0))->CommitOffset(&context, commit, &committed).ok());
  }
  int reporting = 0;
  for (int i = 0; i < cluster->size(); ++i) {
    int led = 0;
    for (const auto& [partition, leader] : leaders) led += leader == BrokerCluster::BrokerId(i);
    const std::string page = MetricsPage(cluster->http_address(i));
    std::istringstream lines(page);
    for (std::string line; std::getline(lines, line);) {
      if (!absl::StartsWith(line, "eventlog_group_lag{") ||
          !absl::StrContains(line, "group=\"metered-group\"")) {
        continue;
      }
      double value = 0;
      ASSERT_TRUE(absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) << line;
      // The coordinator: 3 records behind on each partition it leads.
      EXPECT_EQ(static_cast<int64_t>(value), 3 * led) << "broker " << i << ": " << line;
      ++reporting;
    }
  }
  EXPECT_LE(reporting, 1);
}

// The value of the unlabelled gauge `family` on a /metrics page (-1: absent).
int64_t Gauge(const std::string& page, const std::string& family) {
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (!absl::StartsWith(line, family + " ")) continue;
    double value = 0;
    EXPECT_TRUE(absl::SimpleAtod(line.substr(family.size() + 1), &value)) << line;
    return static_cast<int64_t>(value);
  }
  return -1;
}

// The sum of eventlog_under_replicated_partitions over the running brokers.
int64_t UnderReplicated(const BrokerCluster& cluster, int skip) {
  int64_t sum = 0;
  for (int i = 0; i < cluster.size(); ++i) {
    if (i == skip) continue;
    const int64_t here =
        Gauge(MetricsPage(cluster.http_address(i)), "eventlog_under_replicated_partitions");
    EXPECT_GE(here, 0) << "broker " << i << " has no eventlog_under_replicated_partitions";
    sum += here;
  }
  return sum;
}

// Waits until the brokers but `skip` report `want` under-replicated
// partitions in all; the last sum seen.
int64_t WaitForUnderReplicated(const BrokerCluster& cluster, int skip, int64_t want) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  int64_t seen = UnderReplicated(cluster, skip);
  while (seen != want && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    seen = UnderReplicated(cluster, skip);
  }
  return seen;
}

TEST(ClusterMetricsTest, PartitionsMissingAFollowerAreReportedUnderReplicatedByTheirLeaders) {
  BrokerClusterOptions options;
  options.flags = {"--http_listen=127.0.0.1:0", "--replica_lag_time_max_ms=1500"};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start(options));
  constexpr int kPartitions = 3;
  ASSERT_OK(CreateTopic(cluster->address(0), "copied", kPartitions, /*replication_factor=*/3));
  for (int32_t p = 0; p < kPartitions; ++p) {
    ASSERT_OK(ProduceTo(cluster->address(0), "copied", p, {"before"}).status());
  }
  EXPECT_EQ(WaitForUnderReplicated(*cluster, /*skip=*/-1, 0), 0);

  // Every partition has a copy on broker 2: once its leader drops it from
  // the ISR (or a new leader is elected without it), each is counted once.
  // (A follower that stops fetching leaves after --replica_lag_time_max_ms
  // even with no new records, as in Kafka.)
  cluster->KillBroker(2);
  EXPECT_EQ(WaitForUnderReplicated(*cluster, /*skip=*/2, kPartitions), kPartitions);

  ASSERT_OK(cluster->StartBroker(2));
  EXPECT_EQ(WaitForUnderReplicated(*cluster, /*skip=*/-1, 0), 0);
}

// eventlog_replica_lag_records of `replica` in partition 0 of `topic` on a
// /metrics page (-1: absent).
int64_t ReplicaLag(const std::string& page, const std::string& topic, int32_t replica) {
  const auto lags = Samples(page, "eventlog_replica_lag_records", topic, "replica");
  auto it = lags.find(absl::StrCat(replica));
  return it == lags.end() ? -1 : it->second;
}

// Polls the leader's page until `replica`'s lag is `want` (the timeout is
// a safety net, not a timed assertion); the last lag seen.
int64_t WaitForReplicaLag(const std::string& http, const std::string& topic, int32_t replica,
                          int64_t want) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  int64_t seen = ReplicaLag(MetricsPage(http), topic, replica);
  while (seen != want && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    seen = ReplicaLag(MetricsPage(http), topic, replica);
  }
  return seen;
}

TEST(ClusterMetricsTest, ReplicaLagGrowsWhileAFollowerIsDownAndReturnsToZeroOnceItCatchesUp) {
  BrokerClusterOptions options;
  options.flags = {"--http_listen=127.0.0.1:0", "--replica_lag_time_max_ms=1500"};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BrokerCluster> cluster, BrokerCluster::Start(options));
  ASSERT_OK(CreateTopic(cluster->address(0), "lagging", 1, /*replication_factor=*/3));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata state,
                       PartitionStateAt(cluster->address(0), "lagging"));
  const int leader = state.leader() - BrokerCluster::BrokerId(0);
  const int follower = (leader + 1) % cluster->size();
  const int32_t follower_id = BrokerCluster::BrokerId(follower);
  const std::string http = cluster->http_address(leader);
  ASSERT_OK(ProduceTo(cluster->address(0), "lagging", 0, {"a", "b", "c"}).status());
  EXPECT_EQ(WaitForReplicaLag(http, "lagging", follower_id, 0), 0);

  // The follower stops fetching where the leader's log ended: every record
  // appended since is lag (the request waits until the ISR has shrunk).
  cluster->KillBroker(follower);
  constexpr int kBehind = 40;
  ASSERT_OK(
      ProduceTo(cluster->address(leader), "lagging", 0, std::vector<std::string>(kBehind, "x"))
          .status());
  std::string page = MetricsPage(http);
  EXPECT_EQ(ReplicaLag(page, "lagging", follower_id), kBehind) << page;
  EXPECT_EQ(Gauge(page, "eventlog_replica_lag_max_records"), kBehind) << page;
  // Followers report no lag of their own: the leader counts it, once.
  for (int i = 0; i < cluster->size(); ++i) {
    if (i == leader || i == follower) continue;
    EXPECT_EQ(Gauge(MetricsPage(cluster->http_address(i)), "eventlog_replica_lag_max_records"), 0)
        << "broker " << i;
  }

  ASSERT_OK(cluster->StartBroker(follower));
  EXPECT_EQ(WaitForReplicaLag(http, "lagging", follower_id, 0), 0);
  EXPECT_EQ(Gauge(MetricsPage(http), "eventlog_replica_lag_max_records"), 0);
}

}  // namespace
}  // namespace eventlog::testing

// The C++ Producer routes by metadata (clients/cpp/leader_router.h,
// docs/CLUSTER.md "Forward or redirect"): given one bootstrap broker of
// three, it sends each partition's batches straight to its leader, which the
// brokers' eventlog_produce_forwarded_records_total shows (it stays put; a
// producer with route_to_leaders = false moves it, so the check can fail).
// When a leader goes away and comes back, the producer refreshes its
// metadata and carries on, and every acknowledged record is stored once.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/client.h"
#include "clients/cpp/murmur2.h"
#include "clients/cpp/producer.h"
#include "tests/eventually.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

constexpr int32_t kPartitions = 12;

// eventlog_produce_forwarded_records_total summed over the running brokers.
int64_t ForwardedRecords(const BrokerCluster& cluster) {
  int64_t total = 0;
  for (int i = 0; i < cluster.size(); ++i) {
    const std::string http = cluster.http_address(i);
    if (http.empty()) continue;  // not running
    httplib::Client client(http);
    client.set_read_timeout(30);
    httplib::Result result = client.Get("/metrics");
    EXPECT_TRUE(result && result->status == 200) << http;
    if (!result) continue;
    std::istringstream lines(result->body);
    for (std::string line; std::getline(lines, line);) {
      if (!absl::StartsWith(line, "eventlog_produce_forwarded_records_total ")) continue;
      double value = 0;
      EXPECT_TRUE(absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) << line;
      total += static_cast<int64_t>(value);
    }
  }
  return total;
}

// Every record of the topic: value -> (partition, offset), and how many.
std::pair<std::map<std::string, std::pair<int32_t, int64_t>>, size_t> ReadAll(
    const BrokerCluster& cluster, const std::string& topic) {
  std::map<std::string, std::pair<int32_t, int64_t>> seen;
  size_t count = 0;
  for (int32_t p = 0; p < kPartitions; ++p) {
    absl::StatusOr<std::vector<v1::Record>> records = FetchAll(cluster.address(0), topic, p);
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) continue;
    for (const v1::Record& record : *records) {
      seen[record.value()] = {p, record.offset()};
      ++count;
    }
  }
  return {seen, count};
}

class ClusterRoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BrokerClusterOptions options;
    options.flags = {"--http_listen=127.0.0.1:0"};
    ASSERT_OK_AND_ASSIGN(cluster_, BrokerCluster::Start(options));
  }

  std::unique_ptr<BrokerCluster> cluster_;
};

TEST_F(ClusterRoutingTest, TheProducerSendsEachPartitionToItsLeader) {
  client::Client client(cluster_->address(0));
  ASSERT_OK(client.CreateTopic("cpp-route", kPartitions).status());
  const int64_t before = ForwardedRecords(*cluster_);
  {
    ASSERT_OK_AND_ASSIGN(auto producer, client::Producer::Create(client, "cpp-route"));
    std::vector<client::RecordFuture> futures;
    for (int i = 0; i < 1200; ++i) {
      futures.push_back(producer->Send(absl::StrCat("k", i), absl::StrCat("v", i)));
    }
    ASSERT_OK(producer->Flush());
    for (int i = 0; i < 1200; ++i) {
      ASSERT_OK_AND_ASSIGN(client::RecordMetadata meta, futures[i].Get());
      EXPECT_EQ(meta.partition, client::PartitionForKey(absl::StrCat("k", i), kPartitions));
    }
  }
  EXPECT_EQ(ForwardedRecords(*cluster_), before);

  // The control: the same producer told not to route is forwarded.
  client::ProducerOptions unrouted;
  unrouted.route_to_leaders = false;
  {
    ASSERT_OK_AND_ASSIGN(auto producer, client::Producer::Create(client, "cpp-route", unrouted));
    for (int i = 0; i < 120; ++i) producer->Send(absl::StrCat("k", i), absl::StrCat("w", i));
    ASSERT_OK(producer->Flush());
  }
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(cluster_->address(0), "cpp-route"));
  int64_t elsewhere = 0;
  for (int i = 0; i < 120; ++i) {
    const int32_t p = client::PartitionForKey(absl::StrCat("k", i), kPartitions);
    elsewhere += leaders[p] != BrokerCluster::BrokerId(0);
  }
  EXPECT_GT(elsewhere, 0);
  EXPECT_EQ(ForwardedRecords(*cluster_), before + elsewhere);
  EXPECT_EQ(ReadAll(*cluster_, "cpp-route").second, 1320u);
}

TEST_F(ClusterRoutingTest, TheProducerFollowsALeaderThatGoesAwayAndComesBack) {
  client::Client client(cluster_->address(0));  // the bootstrap; broker 1 will go
  ASSERT_OK(client.CreateTopic("cpp-route-move", kPartitions).status());
  ASSERT_OK_AND_ASSIGN(auto leaders, Leaders(cluster_->address(0), "cpp-route-move"));
  const int victim = 1;
  std::set<int32_t> moved;
  for (const auto& [partition, leader] : leaders) {
    if (leader == BrokerCluster::BrokerId(victim)) moved.insert(partition);
  }
  ASSERT_FALSE(moved.empty());

  ASSERT_OK_AND_ASSIGN(auto producer, client::Producer::Create(client, "cpp-route-move"));
  absl::Mutex mu;
  std::map<std::string, std::pair<int32_t, int64_t>> acked;  // guarded by mu
  std::atomic<int64_t> acked_on_moved{0};
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    for (int i = 0; !stop.load(); i += 50) {
      std::vector<std::pair<std::string, client::RecordFuture>> round;
      for (int j = i; j < i + 50; ++j) {
        const std::string value = absl::StrCat("m", j);
        round.emplace_back(value, producer->Send(value, value));
      }
      for (const auto& [value, future] : round) {
        absl::StatusOr<client::RecordMetadata> meta = future.Get();
        if (!meta.ok()) continue;  // its leader is down: not acknowledged
        absl::MutexLock lock(&mu);
        acked[value] = {meta->partition, meta->offset};
        if (moved.count(meta->partition) > 0) ++acked_on_moved;
      }
    }
  });
  auto more_on_moved = [&](int64_t n) {
    const int64_t start = acked_on_moved.load();
    return Eventually([&] { return acked_on_moved.load() > start + n; });
  };
  EXPECT_TRUE(more_on_moved(100));
  cluster_->KillBroker(victim);
  EXPECT_OK(cluster_->StartBroker(victim));
  EXPECT_OK(cluster_->WaitForMembership());
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<std::map<int32_t, int32_t>> now = Leaders(cluster_->address(0), "cpp-route-move");
    return now.ok() && *now == leaders;
  }));
  // Back at its leader, directly once the failed address's pause is over:
  // nothing is forwarded while 100 more records reach it.
  EXPECT_TRUE(Eventually(
      [&] {
        const int64_t settled = ForwardedRecords(*cluster_);
        return more_on_moved(100) && ForwardedRecords(*cluster_) == settled;
      },
      absl::Seconds(15)))
      << "the producer kept forwarding";
  stop = true;
  sender.join();
  EXPECT_OK(producer->Close());

  auto [seen, count] = ReadAll(*cluster_, "cpp-route-move");
  EXPECT_EQ(seen.size(), count) << "a record was stored twice";
  absl::MutexLock lock(&mu);
  for (const auto& [value, where] : acked) {
    auto stored = seen.find(value);
    ASSERT_NE(stored, seen.end()) << value << " was acknowledged but is not stored";
    EXPECT_EQ(stored->second, where) << value;
  }
}

}  // namespace
}  // namespace eventlog::testing

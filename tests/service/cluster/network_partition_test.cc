// Network partitions of a replicated cluster (issue 14, docs/CLUSTER.md
// "Fault tests"): etcd and three brokers each in a network namespace of
// their own (NetworkLab), the test's clients in the test's namespace.
// - A follower cut off from everything leaves the ISR, ACKS_ALL produce
//   carries on with the two others, and once healed it catches up and
//   rejoins the ISR with the same bytes.
// - A leader cut off from etcd but not from its clients or followers stops
//   acknowledging ACKS_ALL writes once its lease runs out (before the
//   controller can elect another leader), every record it acknowledged
//   after the cut is on the new leader at the acknowledged offset, and its
//   stale epoch is refused by the new leader.
// - A broker cut off again and again registers again each time.
// Skips, saying why, where network namespaces cannot be made (not root).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "eventlog/cluster/v1/replication.grpc.pb.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/service/cluster/network_lab.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

constexpr char kTopic[] = "partitioned";
constexpr int kEtcdNode = 0;
int NodeOf(int broker_index) { return broker_index + 1; }

// The partition's state as `address` reports it.
absl::StatusOr<v1::PartitionMetadata> PartitionState(const std::string& address) {
  return PartitionStateAt(address, kTopic);
}

// One ACKS_ALL record per request to one broker, all the time, on a thread;
// the acknowledged ones by offset, with when they were acknowledged.
class Producer {
 public:
  Producer(std::string address, std::string prefix)
      : address_(std::move(address)), prefix_(std::move(prefix)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Producer() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  struct Ack {
    std::string value;
    absl::Time at;
  };
  std::map<int64_t, Ack> acknowledged() const {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }
  size_t AckedSince(absl::Time since) const {
    absl::MutexLock lock(&mu_);
    size_t n = 0;
    for (const auto& entry : acknowledged_) n += entry.second.at > since ? 1 : 0;
    return n;
  }

 private:
  void Run() {
    std::unique_ptr<v1::EventLog::Stub> stub = StubTo(address_);
    for (int i = 0; !stop_.load(); ++i) {
      grpc::ClientContext context;
      SetDeadline(&context, std::chrono::seconds(3));
      v1::ProduceRequest request;
      request.set_topic(kTopic);
      request.set_partition(0);
      request.set_acks(v1::ACKS_ALL);
      const std::string value = absl::StrCat(prefix_, i);
      request.add_records()->set_value(value);
      v1::ProduceResponse response;
      if (!stub->Produce(&context, request, &response).ok()) {
        absl::SleepFor(absl::Milliseconds(20));  // not acknowledged: may or may not be kept
        continue;
      }
      absl::MutexLock lock(&mu_);
      acknowledged_[response.appends(0).base_offset()] = Ack{value, absl::Now()};
    }
  }

  const std::string address_;
  const std::string prefix_;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::map<int64_t, Ack> acknowledged_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

class NetworkPartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<NetworkLab>> lab = NetworkLab::Create(4);
    if (absl::IsFailedPrecondition(lab.status())) {
      GTEST_SKIP() << "no network namespaces here: " << lab.status().message();
    }
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = *std::move(lab);
    BrokerClusterOptions options;
    options.flags = {"--replica_lag_time_max_ms=3000", "--min_insync_replicas=2"};
    options.etcd_host = lab_->ip(kEtcdNode);
    options.etcd_netns = lab_->netns(kEtcdNode);
    for (int i = 0; i < 3; ++i) {
      options.broker_hosts.push_back(lab_->ip(NodeOf(i)));
      options.broker_netns.push_back(lab_->netns(NodeOf(i)));
    }
    absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
    ASSERT_OK(CreateTopic(cluster_->address(0), kTopic, 1, /*replication_factor=*/3));
    ASSERT_OK_AND_ASSIGN(initial_, PartitionState(cluster_->address(0)));
    ASSERT_EQ(initial_.isr_size(), 3);
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) std::cerr << cluster_->LogTails();
  }

  // Every acknowledged record is read from `address` at its offset, once.
  void ExpectAllAcknowledgedReadable(const std::string& address,
                                     const std::map<int64_t, Producer::Ack>& acknowledged) {
    ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> records, FetchAll(address, kTopic, 0));
    std::map<int64_t, std::string> read;
    std::map<std::string, int> copies;
    for (const v1::Record& record : records) {
      read[record.offset()] = record.value();
      ++copies[record.value()];
    }
    int lost = 0;
    for (const auto& [offset, ack] : acknowledged) {
      auto it = read.find(offset);
      if (it == read.end() || it->second != ack.value || copies[ack.value] != 1) ++lost;
    }
    EXPECT_EQ(lost, 0) << "of " << acknowledged.size()
                       << " acknowledged records, these are missing, moved or repeated";
  }

  // Waits until the three replicas' segment files are the same bytes.
  void ExpectIdenticalReplicas() {
    const std::vector<std::map<std::string, std::string>> files = WaitForIdenticalSegmentFiles(
        {cluster_->data_dir(0), cluster_->data_dir(1), cluster_->data_dir(2)}, absl::Seconds(15));
    ASSERT_FALSE(files[0].empty());
    EXPECT_TRUE(files[0] == files[1] && files[1] == files[2]) << "the replicas' segments differ";
  }

  std::unique_ptr<NetworkLab> lab_;  // outlives the processes in it
  std::unique_ptr<BrokerCluster> cluster_;
  v1::PartitionMetadata initial_;
};

TEST_F(NetworkPartitionTest, AFollowerCutOffLeavesTheIsrAndRejoinsAfterHealing) {
  const int leader = initial_.leader() - 1;
  const int follower = (leader + 1) % 3;
  Producer producer(cluster_->address(leader), "record-");

  ASSERT_OK(lab_->Isolate(NodeOf(follower)));
  const absl::Time cut = absl::Now();
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata shrunk,
                       WaitForPartitionState(
                           cluster_->address(leader), kTopic,
                           [](const v1::PartitionMetadata& state) { return state.isr_size() == 2; },
                           absl::Seconds(30)));
  EXPECT_THAT(shrunk.isr(), ::testing::Not(::testing::Contains(follower + 1)));
  EXPECT_EQ(shrunk.leader(), initial_.leader()) << "a follower's loss moves no leadership";
  // ACKS_ALL goes on with the leader and the other follower.
  const absl::Time shrunk_at = absl::Now();
  while (producer.AckedSince(shrunk_at) < 50) {
    ASSERT_LT(absl::Now(), shrunk_at + absl::Seconds(30)) << "ACKS_ALL stalled without it";
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::cout << "follower cut off: out of the ISR " << absl::ToDoubleSeconds(shrunk_at - cut)
            << " s after the cut; " << producer.AckedSince(cut) << " records acknowledged since"
            << std::endl;

  ASSERT_OK(lab_->Reconnect(NodeOf(follower)));
  const absl::Time healed = absl::Now();
  ASSERT_OK(WaitForPartitionState(
                cluster_->address(leader), kTopic,
                [](const v1::PartitionMetadata& state) { return state.isr_size() == 3; },
                absl::Seconds(30))
                .status());
  std::cout << "healed: back in the ISR after " << absl::ToDoubleSeconds(absl::Now() - healed)
            << " s" << std::endl;
  producer.Stop();
  ExpectAllAcknowledgedReadable(cluster_->address(leader), producer.acknowledged());
  ExpectIdenticalReplicas();
}

TEST_F(NetworkPartitionTest, ALeaderCutOffFromEtcdStopsAcknowledgingAndIsFenced) {
  const int leader = initial_.leader() - 1;
  const int other = (leader + 1) % 3;
  // Straight to the leader, which stays reachable for clients and brokers.
  Producer producer(cluster_->address(leader), "to-old-leader-");
  while (producer.AckedSince(absl::InfinitePast()) < 20) absl::SleepFor(absl::Milliseconds(10));

  ASSERT_OK(lab_->Cut(kEtcdNode, NodeOf(leader)));
  const absl::Time cut = absl::Now();
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata elected,
                       WaitForPartitionState(
                           cluster_->address(other), kTopic,
                           [&](const v1::PartitionMetadata& state) {
                             return state.leader() > 0 && state.leader() != initial_.leader();
                           },
                           absl::Seconds(30)));
  const absl::Duration election = absl::Now() - cut;
  EXPECT_GT(elected.leader_epoch(), initial_.leader_epoch());

  // The old leader, still reachable, refuses ACKS_ALL writes now.
  {
    grpc::ClientContext context;
    SetDeadline(&context, std::chrono::seconds(10));
    v1::ProduceRequest request;
    request.set_topic(kTopic);
    request.set_partition(0);
    request.set_acks(v1::ACKS_ALL);
    request.add_records()->set_value("after the election");
    v1::ProduceResponse response;
    grpc::Status refused = StubTo(cluster_->address(leader))->Produce(&context, request, &response);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  }
  // Its epoch is fenced: the new leader refuses a replica fetching in it.
  {
    auto stub = cluster::v1::Replication::NewStub(grpc::CreateChannel(
        cluster_->address(elected.leader() - 1), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    SetDeadline(&context);
    auto stream = stub->Fetch(&context);
    cluster::v1::ReplicaFetchRequest request;
    request.set_follower_id(initial_.leader());
    cluster::v1::ReplicaPartitionPosition* position = request.add_partitions();
    position->set_topic(kTopic);
    position->set_partition(0);
    position->set_leader_epoch(initial_.leader_epoch());
    ASSERT_TRUE(stream->Write(request));
    cluster::v1::ReplicaFetchResponse response;
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_EQ(response.partitions_size(), 1);
    EXPECT_EQ(response.partitions(0).code(), static_cast<int>(absl::StatusCode::kUnavailable))
        << response.partitions(0).error();
    stream->WritesDone();
    context.TryCancel();
  }
  producer.Stop();
  const std::map<int64_t, Producer::Ack> acknowledged = producer.acknowledged();
  int after_cut = 0;
  for (const auto& entry : acknowledged) after_cut += entry.second.at > cut ? 1 : 0;
  std::cout << "leader cut off from etcd: broker " << elected.leader() << " elected "
            << absl::ToDoubleSeconds(election) << " s after the cut; the old leader acknowledged "
            << after_cut << " records after the cut" << std::endl;

  // Nothing the old leader acknowledged is lost: the new leader has it all.
  const std::string new_leader = cluster_->address(elected.leader() - 1);
  ExpectAllAcknowledgedReadable(new_leader, acknowledged);
  ASSERT_OK(ProduceTo(new_leader, kTopic, 0, {"on the new leader"}).status());

  ASSERT_OK(lab_->HealAll());
  ASSERT_OK(WaitForPartitionState(
                new_leader, kTopic,
                [](const v1::PartitionMetadata& state) { return state.isr_size() == 3; },
                absl::Seconds(30))
                .status());
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata after, PartitionState(new_leader));
  EXPECT_EQ(after.leader(), elected.leader()) << "the old leader came back as a follower";
  ExpectAllAcknowledgedReadable(new_leader, acknowledged);
  ExpectIdenticalReplicas();
}

// A broker whose lease lapses in a partition registers again once it is
// reconnected, every time (fault_loop once found brokers that never did; the
// cause there was gRPC's threads held by commits waiting on replication,
// which this quiet test does not recreate: the loop checks that).
TEST_F(NetworkPartitionTest, ABrokerCutOffAgainAndAgainRegistersAgainEachTime) {
  const int broker = (initial_.leader() - 1 + 2) % 3;
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK(lab_->Isolate(NodeOf(broker)));
    // Past the 2 s lease, so that etcd drops the registration.
    absl::SleepFor(absl::Seconds(4));
    ASSERT_OK(lab_->Reconnect(NodeOf(broker)));
    ASSERT_OK(cluster_->WaitForMembership(absl::Seconds(30))) << "round " << round;
  }
}

}  // namespace
}  // namespace eventlog::testing

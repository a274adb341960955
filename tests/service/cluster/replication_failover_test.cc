// Replicated partitions on real eventlogd processes and etcd (issue 14,
// docs/CLUSTER.md "Replication"): a topic with three replicas takes ACKS_ALL
// records continuously while its leader is killed with SIGKILL; the
// controller elects an in-sync follower, every acknowledged record is read
// back exactly once at the offset it was acknowledged with, and the old
// leader, restarted, truncates to the new leader's epoch boundary, catches
// up and rejoins the ISR, after which the three copies are byte for byte
// the same.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

constexpr char kTopic[] = "replicated";

// The partition's state as `address` reports it.
absl::StatusOr<v1::PartitionMetadata> PartitionState(const std::string& address) {
  return PartitionStateAt(address, kTopic);
}

// The components of the log lines in `path`; a failure for each line that
// is not a JSON object (a write that bypassed the structured logger).
std::set<std::string> JsonLogComponents(const std::string& path) {
  std::set<std::string> components;
  std::ifstream log(path);
  std::string line;
  while (std::getline(log, line)) {
    google::protobuf::Struct parsed;
    if (!google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) {
      ADD_FAILURE() << path << ": not a JSON log line: " << line;
      continue;
    }
    components.insert(parsed.fields().at("component").string_value());
  }
  return components;
}

class ReplicationFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BrokerClusterOptions options;
    // JSON logs: every line a clustered broker writes must be structured.
    options.flags = {"--replica_lag_time_max_ms=3000", "--min_insync_replicas=2",
                     "--log_format=json"};
    absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) std::cerr << cluster_->LogTails();
  }

  std::unique_ptr<BrokerCluster> cluster_;
};

TEST_F(ReplicationFailoverTest, AKilledLeadersAcknowledgedRecordsSurviveOnTheElectedFollower) {
  ASSERT_OK(CreateTopic(cluster_->address(0), kTopic, 1, /*replication_factor=*/3));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata initial, PartitionState(cluster_->address(0)));
  ASSERT_EQ(initial.isr_size(), 3);
  const int leader = initial.leader() - 1;  // broker index
  const int via = (leader + 1) % 3;         // the producer's broker, never killed

  // ACKS_ALL records, each value once; acknowledged ones with their offset.
  absl::Mutex mu;
  std::map<int64_t, std::string> acknowledged;  // offset -> value
  std::vector<absl::Time> ack_times;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread producer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string value = absl::StrCat("record-", i);
      absl::StatusOr<v1::ProduceResponse> produced =
          ProduceTo(cluster_->address(via), kTopic, 0, {value});
      if (!produced.ok()) {
        ++failures;  // not acknowledged: may or may not be kept
        absl::SleepFor(absl::Milliseconds(20));
        continue;
      }
      absl::MutexLock lock(&mu);
      acknowledged[produced->appends(0).base_offset()] = value;
      ack_times.push_back(absl::Now());
    }
  });
  // Stops the producer however the test ends.
  struct Joiner {
    std::atomic<bool>* stop;
    std::thread* thread;
    ~Joiner() {
      stop->store(true);
      if (thread->joinable()) thread->join();
    }
  } joiner{&stop, &producer};
  auto acknowledged_count = [&] {
    absl::MutexLock lock(&mu);
    return acknowledged.size();
  };
  const absl::Time producing = absl::Now();
  while (acknowledged_count() < 200) absl::SleepFor(absl::Milliseconds(10));
  const absl::Duration first_200 = absl::Now() - producing;

  cluster_->KillBroker(leader);
  const absl::Time killed = absl::Now();
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata elected,
                       WaitForPartitionState(
                           cluster_->address(via), kTopic,
                           [&](const v1::PartitionMetadata& state) {
                             return state.leader() > 0 && state.leader() != initial.leader();
                           },
                           absl::Seconds(20)));
  const absl::Duration election = absl::Now() - killed;
  const size_t before = acknowledged_count();
  while (acknowledged_count() < before + 200) absl::SleepFor(absl::Milliseconds(10));
  absl::Duration first_ack = absl::InfiniteDuration();
  {
    absl::MutexLock lock(&mu);
    for (absl::Time t : ack_times) {
      if (t > killed) {
        first_ack = t - killed;
        break;
      }
    }
  }
  // Figures, not assertions: the machine's load decides them.
  std::cout << "failover: broker " << elected.leader() << " leads (epoch " << elected.leader_epoch()
            << ") " << absl::ToDoubleSeconds(election)
            << " s after the kill, the first record acknowledged after it "
            << absl::ToDoubleSeconds(first_ack) << " s after it; 200 records took "
            << absl::ToDoubleSeconds(first_200) << " s before the kill and "
            << absl::ToDoubleSeconds(absl::Now() - killed) << " s after it, " << failures.load()
            << " produce calls failed" << std::endl;
  EXPECT_GT(elected.leader_epoch(), initial.leader_epoch());
  EXPECT_EQ(elected.isr_size(), 2) << "the dead leader left the ISR";

  // The old leader returns, truncates, catches up and rejoins the ISR.
  ASSERT_OK(cluster_->StartBroker(leader));
  ASSERT_OK(WaitForPartitionState(
                cluster_->address(via), kTopic,
                [](const v1::PartitionMetadata& state) { return state.isr_size() == 3; },
                absl::Seconds(30))
                .status());
  stop.store(true);
  producer.join();

  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> records,
                       FetchAll(cluster_->address(via), kTopic, 0));
  std::map<int64_t, std::string> read;
  std::map<std::string, int> copies;
  for (const v1::Record& record : records) {
    read[record.offset()] = record.value();
    ++copies[record.value()];
  }
  absl::MutexLock lock(&mu);
  EXPECT_GT(acknowledged.size(), 400u);
  int lost = 0;
  for (const auto& [offset, value] : acknowledged) {
    auto it = read.find(offset);
    if (it == read.end() || it->second != value || copies[value] != 1) ++lost;
  }
  EXPECT_EQ(lost, 0) << "acknowledged records missing, moved or repeated";

  // Once every replica is in sync and nothing is written, the three logs
  // hold the same bytes (followers copy batches as stored).
  const std::vector<std::map<std::string, std::string>> files = WaitForIdenticalSegmentFiles(
      {cluster_->data_dir(0), cluster_->data_dir(1), cluster_->data_dir(2)}, absl::Seconds(10));
  ASSERT_FALSE(files[0].empty());
  EXPECT_TRUE(files[0] == files[1] && files[1] == files[2]) << "the replicas' segment files differ";
}

TEST_F(ReplicationFailoverTest, AFollowerThatStopsFetchingLeavesTheIsrAndAcksAllCarriesOn) {
  ASSERT_OK(CreateTopic(cluster_->address(0), kTopic, 1, /*replication_factor=*/3));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata initial, PartitionState(cluster_->address(0)));
  const int leader = initial.leader() - 1;
  const int follower = (leader + 1) % 3;
  ASSERT_OK(ProduceTo(cluster_->address(leader), kTopic, 0, {"before"}).status());

  cluster_->KillBroker(follower);
  // ACKS_ALL waits for the dead follower until the leader drops it from the
  // ISR (--replica_lag_time_max_ms=3000), then completes.
  ASSERT_OK_AND_ASSIGN(v1::ProduceResponse during,
                       ProduceTo(cluster_->address(leader), kTopic, 0, {"during"}));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata shrunk, PartitionState(cluster_->address(leader)));
  EXPECT_EQ(shrunk.isr_size(), 2);
  for (int32_t member : shrunk.isr()) EXPECT_NE(member, follower + 1);
  EXPECT_EQ(shrunk.leader(), initial.leader()) << "a follower's loss moves no leadership";

  ASSERT_OK(cluster_->StartBroker(follower));
  ASSERT_OK(WaitForPartitionState(
                cluster_->address(leader), kTopic,
                [](const v1::PartitionMetadata& state) { return state.isr_size() == 3; },
                absl::Seconds(30))
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Record> records,
                       FetchAll(cluster_->address(leader), kTopic, 0));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].offset(), during.appends(0).base_offset());
  EXPECT_EQ(records[1].value(), "during");

  // The cluster and replication lines of all that (registration, the
  // controller, following, the ISR shrinking and growing) are JSON too.
  std::set<std::string> components;
  for (int i = 0; i < cluster_->size(); ++i) {
    for (const std::string& component : JsonLogComponents(cluster_->log_path(i))) {
      components.insert(component);
    }
  }
  EXPECT_THAT(components, ::testing::IsSupersetOf({"eventlogd", "cluster", "replication"}));
}

TEST_F(ReplicationFailoverTest, AcksAllIsRefusedWhileFewerThanMinInsyncReplicasAreInSync) {
  ASSERT_OK(CreateTopic(cluster_->address(0), kTopic, 1, /*replication_factor=*/3));
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata initial, PartitionState(cluster_->address(0)));
  const int leader = initial.leader() - 1;
  auto produce = [&](v1::Acks acks, const std::string& value) -> absl::Status {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ProduceRequest request;
    request.set_topic(kTopic);
    request.set_partition(0);
    request.set_acks(acks);
    request.add_records()->set_value(value);
    v1::ProduceResponse response;
    grpc::Status status = StubTo(cluster_->address(leader))->Produce(&context, request, &response);
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  };
  ASSERT_OK(produce(v1::ACKS_ALL, "three in sync"));
  cluster_->KillBroker((leader + 1) % 3);
  cluster_->KillBroker((leader + 2) % 3);
  // The leader alone is left in the ISR once the followers' lag time passes.
  ASSERT_OK(WaitForPartitionState(
                cluster_->address(leader), kTopic,
                [](const v1::PartitionMetadata& state) { return state.isr_size() == 1; },
                absl::Seconds(30))
                .status());
  const absl::Status refused = produce(v1::ACKS_ALL, "refused");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("1 in-sync replica(s)"));
  ASSERT_OK(produce(v1::ACKS_LEADER, "leader only"));
  // Readers see it once it is fsynced (the flush interval, 1 s).
  std::vector<v1::Record> records;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (records.size() < 2 && absl::Now() < deadline) {
    ASSERT_OK_AND_ASSIGN(records, FetchAll(cluster_->address(leader), kTopic, 0));
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(records.size(), 2u) << "the refused record was not written";
  EXPECT_EQ(records[1].value(), "leader only");
}

}  // namespace
}  // namespace eventlog::testing

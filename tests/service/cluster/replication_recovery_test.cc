// Replicas that recover on real eventlogd processes and etcd (issue 14,
// docs/CLUSTER.md "Replication"): a follower whose log ends below its
// leader's log start (retention deleted what it lacks) empties its log and
// starts again at the leader's log start instead of asking forever; and a
// consumer group's committed offsets, in the replicated __consumer_offsets,
// survive the loss of the group's coordinator.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/eventually.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/test_util.h"

namespace eventlog::testing {
namespace {

constexpr char kOffsetsTopic[] = "__consumer_offsets";

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
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

std::string FileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `group`'s committed offsets of `topic` through `address`; with
// `forwarded`, as a broker would ask another, so that only the group's
// coordinator answers (the others fail with UNAVAILABLE).
absl::StatusOr<std::map<int32_t, int64_t>> Committed(const std::string& address,
                                                     const std::string& group,
                                                     const std::string& topic,
                                                     bool forwarded = false) {
  grpc::ClientContext context;
  SetDeadline(&context);
  if (forwarded) context.AddMetadata("eventlog-forwarded", "0");
  v1::FetchCommittedOffsetsRequest request;
  request.set_group(group);
  request.set_topic(topic);
  v1::FetchCommittedOffsetsResponse response;
  grpc::Status status = StubTo(address)->FetchCommittedOffsets(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  std::map<int32_t, int64_t> offsets;
  for (const v1::CommittedOffset& offset : response.offsets()) {
    offsets[offset.partition()] = offset.offset();
  }
  return offsets;
}

absl::Status Commit(const std::string& address, const std::string& group, const std::string& topic,
                    const std::map<int32_t, int64_t>& offsets, int64_t generation = 0,
                    const std::string& member = "") {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CommitOffsetsRequest request;
  request.set_group(group);
  request.set_topic(topic);
  request.set_generation(generation);
  request.set_member_id(member);
  for (const auto& [partition, offset] : offsets) {
    v1::CommittedOffset* committed = request.add_offsets();
    committed->set_partition(partition);
    committed->set_offset(offset);
  }
  v1::CommitOffsetsResponse response;
  return FromGrpc(StubTo(address)->CommitOffsets(&context, request, &response));
}

class ReplicationRecoveryTest : public ::testing::Test {
 protected:
  void Start(int brokers, std::vector<std::string> flags = {}) {
    BrokerClusterOptions options;
    options.brokers = brokers;
    options.flags = {"--replica_lag_time_max_ms=3000"};
    options.flags.insert(options.flags.end(), flags.begin(), flags.end());
    absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) std::cerr << cluster_->LogTails();
  }

  std::unique_ptr<BrokerCluster> cluster_;
};

TEST_F(ReplicationRecoveryTest, AFollowerBelowTheLeadersLogStartStartsAgainThere) {
  ASSERT_NO_FATAL_FAILURE(Start(2, {"--cleanup_interval_ms=100"}));
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::CreateTopicRequest request;
    request.set_name("short");
    request.set_partitions(1);
    request.set_replication_factor(2);
    request.mutable_config()->set_segment_bytes(1024);
    request.mutable_config()->set_retention_bytes(2048);
    v1::TopicDescription created;
    ASSERT_OK(FromGrpc(StubTo(cluster_->address(0))->CreateTopic(&context, request, &created)));
  }
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata initial,
                       PartitionStateAt(cluster_->address(0), "short"));
  const int leader = initial.leader() - 1;
  const int follower = 1 - leader;
  const std::string at = cluster_->address(leader);
  std::vector<std::string> early;
  for (int i = 0; i < 5; ++i) early.push_back(absl::StrCat("early-", i));
  ASSERT_OK(ProduceTo(at, "short", 0, early).status());  // on both replicas

  cluster_->KillBroker(follower);
  // The leader alone in the ISR, then 200 records of 100 bytes: retention
  // deletes segments until the log starts past the follower's end (5).
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<v1::PartitionMetadata> state = PartitionStateAt(at, "short");
    return state.ok() && state->isr_size() == 1;
  }));
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<std::string> values;
    for (int i = 0; i < 10; ++i) {
      values.push_back(absl::StrCat("r-", batch * 10 + i, "-", std::string(90, 'x')));
    }
    ASSERT_OK(ProduceTo(at, "short", 0, values).status());
  }
  int64_t leader_start = 0;
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<v1::TopicDescription> described = Describe(at, "short");
    if (described.ok()) leader_start = described->partitions(0).log_start_offset();
    return leader_start > 5;
  })) << "retention did not move the leader's log start";

  // Back, the follower is below the leader's log start: it empties its log,
  // copies from the leader's start and rejoins the ISR.
  ASSERT_OK(cluster_->StartBroker(follower));
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<v1::PartitionMetadata> state = PartitionStateAt(at, "short");
    return state.ok() && state->isr_size() == 2;
  })) << "the follower did not rejoin the ISR";
  EXPECT_TRUE(absl::StrContains(FileText(cluster_->log_path(follower)), "emptied"))
      << "the follower never started again at the leader's log start";

  // Its copy serves: the leader dies, the follower leads with every record
  // from its log start on, each at its offset.
  cluster_->KillBroker(leader);
  const std::string now_at = cluster_->address(follower);
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<v1::PartitionMetadata> state = PartitionStateAt(now_at, "short");
    return state.ok() && state->leader() == follower + 1;
  }));
  ASSERT_OK_AND_ASSIGN(v1::TopicDescription described, Describe(now_at, "short"));
  const int64_t start = described.partitions(0).log_start_offset();
  EXPECT_GE(start, leader_start);
  EXPECT_EQ(described.partitions(0).high_watermark(), 205);
  int64_t offset = start;
  while (offset < 205) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::FetchRequest request;
    request.set_topic("short");
    request.set_partition(0);
    request.set_offset(offset);
    v1::FetchResponse response;
    ASSERT_OK(FromGrpc(StubTo(now_at)->Fetch(&context, request, &response)));
    ASSERT_GT(response.records_size(), 0);
    for (const v1::Record& record : response.records()) {
      ASSERT_EQ(record.offset(), offset);
      EXPECT_TRUE(absl::StartsWith(record.value(), absl::StrCat("r-", offset - 5, "-")))
          << "offset " << offset << " holds " << record.value().substr(0, 10);
      ++offset;
    }
  }
}

TEST_F(ReplicationRecoveryTest, CommittedOffsetsSurviveTheLossOfTheGroupsCoordinator) {
  ASSERT_NO_FATAL_FAILURE(Start(3));
  ASSERT_OK(CreateTopic(cluster_->address(0), "events", 3, /*replication_factor=*/3));
  for (int32_t p = 0; p < 3; ++p) {
    std::vector<std::string> values;
    for (int i = 0; i < 10; ++i) values.push_back(absl::StrCat("p", p, "-", i));
    ASSERT_OK(ProduceTo(cluster_->address(0), "events", p, values).status());
  }
  const std::map<int32_t, int64_t> committed{{0, 5}, {1, 6}, {2, 7}};
  ASSERT_OK(Commit(cluster_->address(0), "survivor", "events", committed));

  // The offsets topic has a copy on every broker (min(3, live brokers)).
  ASSERT_OK_AND_ASSIGN(v1::PartitionMetadata offsets_state,
                       PartitionStateAt(cluster_->address(0), kOffsetsTopic));
  EXPECT_EQ(offsets_state.replicas_size(), 3);

  int coordinator = -1;
  for (int i = 0; i < 3; ++i) {
    if (Committed(cluster_->address(i), "survivor", "events", /*forwarded=*/true).ok()) {
      coordinator = i;
    }
  }
  ASSERT_GE(coordinator, 0) << "no broker coordinates the group";
  const std::string via = cluster_->address((coordinator + 1) % 3);

  cluster_->KillBroker(coordinator);
  const absl::Time killed = absl::Now();
  absl::StatusOr<std::map<int32_t, int64_t>> after = absl::UnavailableError("not asked");
  ASSERT_TRUE(Eventually([&] {
    after = Committed(via, "survivor", "events");
    return after.ok();
  })) << after.status();
  std::cout << "the group's new coordinator answered "
            << absl::ToDoubleSeconds(absl::Now() - killed) << " s after its old one was killed"
            << std::endl;
  EXPECT_EQ(*after, committed);

  // The group carries on: a member starts at the committed offsets and
  // commits in its generation.
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(30));
  v1::SubscribeRequest request;
  request.set_topic("events");
  request.set_group("survivor");
  request.set_reset_to(v1::START_FROM_EARLIEST);
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> stream =
      StubTo(via)->Subscribe(&context, request);
  std::map<int32_t, int64_t> first;  // partition -> first offset delivered
  v1::Assignment assignment;
  v1::SubscribeResponse event;
  while (first.size() < 3 && stream->Read(&event)) {
    if (event.has_assignment()) assignment = event.assignment();
    if (event.has_records() && event.records().records_size() > 0) {
      first.emplace(event.records().partition(), event.records().records(0).offset());
    }
  }
  EXPECT_EQ(first, committed) << "the member did not start where the group had committed";
  ASSERT_GT(assignment.generation(), 0);
  EXPECT_OK(Commit(via, "survivor", "events", {{0, 10}, {1, 10}, {2, 10}}, assignment.generation(),
                   assignment.member_id()));
  context.TryCancel();
  (void)stream->Finish();
  absl::StatusOr<std::map<int32_t, int64_t>> last = Committed(via, "survivor", "events");
  ASSERT_OK(last.status());
  EXPECT_EQ(*last, (std::map<int32_t, int64_t>{{0, 10}, {1, 10}, {2, 10}}));
}

}  // namespace
}  // namespace eventlog::testing

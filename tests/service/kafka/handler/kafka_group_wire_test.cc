// The classic group protocol's error codes on the wire, provoked on demand
// with two raw members: a member that heartbeats while another joins gets
// REBALANCE_IN_PROGRESS, and after the new generation its old generation
// gets ILLEGAL_GENERATION from OffsetCommit, Heartbeat and SyncGroup.
#include <string>

#include "gtest/gtest.h"
#include "service/kafka/protocol/consumer_protocol.h"
#include "service/kafka/protocol/error_code.h"
#include "tests/service/kafka/handler/kafka_broker_wire_fixture.h"
#include "tests/service/kafka/kafka_test_client.h"
#include "tests/test_util.h"

namespace eventlog::kafka {
namespace {

using testing::KafkaBrokerWireTest;
using testing::KafkaTestClient;

constexpr char kGroup[] = "g";
constexpr int16_t kJoinVersion = 5;
constexpr int16_t kSyncVersion = 3;
constexpr int16_t kHeartbeatVersion = 3;
constexpr int16_t kCommitVersion = 7;

JoinGroupRequest Join(const std::string& member_id) {
  JoinGroupRequest join;
  join.group_id = kGroup;
  join.session_timeout_ms = 30000;
  join.rebalance_timeout_ms = 30000;
  join.member_id = member_id;
  join.protocol_type = "consumer";
  join.protocols.push_back({"range", EncodeConsumerSubscription({"t"})});
  return join;
}

HeartbeatRequest Heartbeat(const std::string& member_id, int32_t generation) {
  HeartbeatRequest heartbeat;
  heartbeat.group_id = kGroup;
  heartbeat.member_id = member_id;
  heartbeat.generation_id = generation;
  return heartbeat;
}

OffsetCommitRequest Commit(const std::string& member_id, int32_t generation) {
  OffsetCommitRequest commit;
  commit.group_id = kGroup;
  commit.member_id = member_id;
  commit.generation_id = generation;
  commit.topics.push_back({"t", {{0, 0, -1, -1, std::string()}}});  // offset 0 of an empty log
  return commit;
}

class KafkaGroupWireTest : public KafkaBrokerWireTest {
 protected:
  // A group completes its join as soon as every member joined, not after
  // Kafka's 3 s initial delay.
  void Configure(service::ServerOptions& options) override {
    options.broker.kafka_group_initial_rebalance_delay_ms = 0;
  }
};

TEST_F(KafkaGroupWireTest, AHeartbeatDuringARebalanceAndAnOldGenerationAreRefused) {
  CreateTopic("t");
  // Member A alone: generation 1 (of this fresh broker's group), stable
  // after its SyncGroup, and its commit is taken.
  JoinGroupResponse a = Call<JoinGroupResponse>(Join(""), kJoinVersion);
  ASSERT_EQ(a.error_code, 0);
  ASSERT_EQ(a.leader, a.member_id);
  const int32_t first = a.generation_id;
  SyncGroupRequest sync;
  sync.group_id = kGroup;
  sync.generation_id = first;
  sync.member_id = a.member_id;
  sync.assignments.push_back({a.member_id, EncodeConsumerAssignment({{"t", {0}}})});
  ASSERT_EQ(Call<SyncGroupResponse>(sync, kSyncVersion).error_code, 0);
  ASSERT_EQ(Call<HeartbeatResponse>(Heartbeat(a.member_id, first), kHeartbeatVersion).error_code,
            0);
  OffsetCommitResponse committed =
      Call<OffsetCommitResponse>(Commit(a.member_id, first), kCommitVersion);
  ASSERT_EQ(committed.topics.size(), 1u);
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, 0);

  // Member B joins on its own connection: its JoinGroup waits for A to
  // rejoin, and meanwhile A's heartbeats say REBALANCE_IN_PROGRESS (once
  // the coordinator took B's join; until then they are still OK).
  KafkaTestClient b_client(port_);
  b_client.Send(Join(""), kJoinVersion, 1);
  int16_t heartbeat_error = 0;
  for (int i = 0; i < 500 && heartbeat_error == 0; ++i) {
    heartbeat_error =
        Call<HeartbeatResponse>(Heartbeat(a.member_id, first), kHeartbeatVersion).error_code;
    if (heartbeat_error == 0) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(heartbeat_error, Wire(ErrorCode::kRebalanceInProgress));

  // A rejoins: both get the next generation.
  JoinGroupResponse a2 = Call<JoinGroupResponse>(Join(a.member_id), kJoinVersion);
  ASSERT_EQ(a2.error_code, 0);
  EXPECT_GT(a2.generation_id, first);
  int32_t correlation = 0;
  absl::StatusOr<JoinGroupResponse> b =
      b_client.Read<JoinGroupResponse>(kJoinVersion, &correlation);
  ASSERT_OK(b);
  EXPECT_EQ(b->error_code, 0);
  EXPECT_EQ(b->generation_id, a2.generation_id);

  // The old generation is over everywhere.
  committed = Call<OffsetCommitResponse>(Commit(a.member_id, first), kCommitVersion);
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, Wire(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(Call<HeartbeatResponse>(Heartbeat(a.member_id, first), kHeartbeatVersion).error_code,
            Wire(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(Call<SyncGroupResponse>(sync, kSyncVersion).error_code,
            Wire(ErrorCode::kIllegalGeneration));
  // The current one commits (after the leader's SyncGroup makes it stable).
  sync.generation_id = a2.generation_id;
  sync.assignments = {{a.member_id, EncodeConsumerAssignment({{"t", {0}}})},
                      {b->member_id, EncodeConsumerAssignment({})}};
  ASSERT_EQ(Call<SyncGroupResponse>(sync, kSyncVersion).error_code, 0);
  committed = Call<OffsetCommitResponse>(Commit(a.member_id, a2.generation_id), kCommitVersion);
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, 0);
}

}  // namespace
}  // namespace eventlog::kafka

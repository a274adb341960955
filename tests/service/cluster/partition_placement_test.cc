// AssignReplicas, NewPartition and ElectLeader: the controller's placement
// decisions.
#include "service/cluster/partition_placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/test_util.h"

namespace eventlog::cluster {
namespace {

using ::eventlog::testing::StatusIs;

std::map<int32_t, int64_t> CountPerBroker(const std::vector<std::vector<int32_t>>& assignment) {
  std::map<int32_t, int64_t> count;
  for (const auto& replicas : assignment) {
    for (int32_t r : replicas) ++count[r];
  }
  return count;
}

TEST(AssignReplicasTest, SpreadsAnEmptyClusterEvenly) {
  ASSERT_OK_AND_ASSIGN(auto assignment, AssignReplicas({{1, 0}, {2, 0}, {3, 0}}, "t", 12, 1));
  ASSERT_EQ(assignment.size(), 12u);
  EXPECT_EQ(CountPerBroker(assignment), (std::map<int32_t, int64_t>{{1, 4}, {2, 4}, {3, 4}}));
}

TEST(AssignReplicasTest, FillsTheLeastLoadedBrokersFirst) {
  // Broker 3 joined late: new partitions go to it until the counts level.
  ASSERT_OK_AND_ASSIGN(auto assignment, AssignReplicas({{1, 6}, {2, 6}, {3, 0}}, "t", 9, 1));
  EXPECT_EQ(CountPerBroker(assignment), (std::map<int32_t, int64_t>{{1, 1}, {2, 1}, {3, 7}}));
}

TEST(AssignReplicasTest, SinglePartitionTopicsDoNotAllLandOnOneBroker) {
  std::map<int32_t, int64_t> load{{1, 0}, {2, 0}, {3, 0}};
  std::set<int32_t> used;
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
    ASSERT_OK_AND_ASSIGN(auto assignment, AssignReplicas(load, name, 1, 1));
    ++load[assignment[0][0]];
    used.insert(assignment[0][0]);
  }
  EXPECT_EQ(used.size(), 3u);
  EXPECT_EQ(load, (std::map<int32_t, int64_t>{{1, 2}, {2, 2}, {3, 2}}));
}

TEST(AssignReplicasTest, ReplicasOfAPartitionAreDistinctBrokers) {
  ASSERT_OK_AND_ASSIGN(auto assignment, AssignReplicas({{1, 0}, {2, 0}, {3, 0}}, "t", 6, 3));
  for (const auto& replicas : assignment) {
    EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), 3u);
  }
}

TEST(AssignReplicasTest, TooFewLiveBrokersIsUnavailable) {
  EXPECT_THAT(AssignReplicas({}, "t", 1, 1), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(AssignReplicas({{1, 0}}, "t", 1, 2), StatusIs(absl::StatusCode::kUnavailable));
}

TEST(ElectLeaderTest, TheLeaderGoesWhenItsBrokerDiesAndComesBackWithIt) {
  PartitionEntry entry;
  entry.replicas = {2};
  entry.isr = {2};
  entry.leader = 2;
  entry.leader_epoch = 4;
  EXPECT_FALSE(ElectLeader(entry, {1, 2, 3}).has_value()) << "no change while broker 2 lives";
  std::optional<PartitionEntry> offline = ElectLeader(entry, {1, 3});
  ASSERT_TRUE(offline.has_value());
  EXPECT_EQ(offline->leader, -1);
  EXPECT_EQ(offline->leader_epoch, 5);
  EXPECT_EQ(offline->isr, std::vector<int32_t>{2}) << "kept for replication to shrink";
  std::optional<PartitionEntry> back = ElectLeader(*offline, {1, 2, 3});
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->leader, 2);
  EXPECT_EQ(back->leader_epoch, 6);
}

TEST(ElectLeaderTest, PicksTheFirstLiveInSyncReplicaAndDropsTheDeadFromTheIsr) {
  PartitionEntry entry;
  entry.replicas = {1, 2, 3};
  entry.isr = {1, 3};  // 2 fell behind
  entry.leader = 1;
  std::optional<PartitionEntry> next = ElectLeader(entry, {2, 3});
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->leader, 3) << "never 2, which is out of sync";
  EXPECT_EQ(next->leader_epoch, 1);
  EXPECT_EQ(next->isr, std::vector<int32_t>{3});
}

TEST(ElectLeaderTest, ALiveInSyncLeaderStaysWhenThePreferredReplicaReturns) {
  PartitionEntry entry;
  entry.replicas = {1, 2, 3};
  entry.isr = {2, 3, 1};
  entry.leader = 2;
  EXPECT_FALSE(ElectLeader(entry, {1, 2, 3}).has_value());
}

TEST(ElectLeaderTest, ADeadFollowerLeavesTheIsrAtOnceWithTheEpochUnchanged) {
  PartitionEntry entry = NewPartition({1, 2, 3});
  entry.leader_epoch = 3;
  std::optional<PartitionEntry> next = ElectLeader(entry, {1, 3});
  ASSERT_TRUE(next.has_value()) << "not left for the leader's lag time";
  EXPECT_EQ(next->leader, 1);
  EXPECT_EQ(next->leader_epoch, 3) << "an ISR change only, as the leader's own shrink";
  EXPECT_EQ(next->isr, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(next->replicas, (std::vector<int32_t>{1, 2, 3}));
  // Down to the leader alone (min_insync_replicas then decides ACKS_ALL).
  std::optional<PartitionEntry> alone = ElectLeader(*next, {1});
  ASSERT_TRUE(alone.has_value());
  EXPECT_EQ(alone->isr, std::vector<int32_t>{1});
  EXPECT_EQ(alone->leader_epoch, 3);
  EXPECT_FALSE(ElectLeader(*alone, {1, 2, 3}).has_value())
      << "a returning broker rejoins through its leader, once caught up";
}

TEST(NewPartitionTest, TheFirstReplicaLeadsWithEveryReplicaInSync) {
  PartitionEntry entry = NewPartition({3, 1, 2});
  EXPECT_EQ(entry.replicas, (std::vector<int32_t>{3, 1, 2}));
  EXPECT_EQ(entry.leader, 3);
  EXPECT_EQ(entry.leader_epoch, 0);
  EXPECT_EQ(entry.isr, (std::vector<int32_t>{3, 1, 2}));
}

TEST(ElectLeaderTest, AnUncleanTopicElectsTheFirstLiveOutOfSyncReplica) {
  PartitionEntry entry = NewPartition({1, 2, 3});
  entry.isr = {1};  // the followers fell behind, then the leader died
  EXPECT_EQ(ElectLeader(entry, {2, 3}, /*unclean=*/false)->leader, -1) << "the default";
  std::optional<PartitionEntry> unclean = ElectLeader(entry, {3, 2}, /*unclean=*/true);
  ASSERT_TRUE(unclean.has_value());
  EXPECT_EQ(unclean->leader, 2) << "replica order";
  EXPECT_EQ(unclean->leader_epoch, 1);
  EXPECT_EQ(unclean->isr, std::vector<int32_t>{2});
  EXPECT_FALSE(ElectLeader(*unclean, {1, 2, 3}, true).has_value())
      << "it keeps leading when the old in-sync replica returns";
  // An offline partition (leader -1) is elected too once the topic opts in.
  std::optional<PartitionEntry> offline = ElectLeader(entry, {2, 3});
  ASSERT_TRUE(offline.has_value());
  std::optional<PartitionEntry> later = ElectLeader(*offline, {3}, true);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->leader, 3);
  EXPECT_EQ(later->leader_epoch, 2);
  std::optional<PartitionEntry> none = ElectLeader(entry, {}, true);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->leader, -1) << "no live replica: nobody";
}

TEST(ElectLeaderTest, WithNoLiveInSyncReplicaThePartitionWaitsWithItsIsrWhole) {
  PartitionEntry entry = NewPartition({1, 2, 3});
  entry.isr = {1};  // the followers fell behind
  std::optional<PartitionEntry> offline = ElectLeader(entry, {2, 3});
  ASSERT_TRUE(offline.has_value());
  EXPECT_EQ(offline->leader, -1);
  EXPECT_EQ(offline->leader_epoch, 1);
  EXPECT_EQ(offline->isr, std::vector<int32_t>{1});
  std::optional<PartitionEntry> back = ElectLeader(*offline, {1, 2, 3});
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->leader, 1);
  EXPECT_EQ(back->leader_epoch, 2);
}

}  // namespace
}  // namespace eventlog::cluster

// GroupCoordinator with scripted members: revoke before assign, generations,
// fencing, leaving, eviction of a stuck member, several topics in a group.
#include "service/broker/group_coordinator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/test_helpers.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A member that records what it is told; the test plays its pump.
class FakeMember : public GroupMember {
 public:
  struct Revoked {
    uint64_t round;
    std::vector<int32_t> partitions;
  };

  void Revoke(uint64_t round, std::vector<int32_t> partitions) override {
    absl::MutexLock lock(&mu_);
    revokes_.push_back(Revoked{round, std::move(partitions)});
  }
  void Assign(int64_t generation, std::vector<int32_t> partitions) override {
    absl::MutexLock lock(&mu_);
    generation_ = generation;
    assigned_ = std::move(partitions);
    ++assignments_;
  }
  void Evict(absl::Status why) override {
    absl::MutexLock lock(&mu_);
    evicted_ = std::move(why);
  }
  int64_t busy_since_ms() const override { return busy_since_ms_.load(); }

  std::vector<Revoked> TakeRevokes() {
    absl::MutexLock lock(&mu_);
    std::vector<Revoked> revokes;
    revokes.swap(revokes_);
    return revokes;
  }
  std::vector<int32_t> assigned() {
    absl::MutexLock lock(&mu_);
    return assigned_;
  }
  int64_t generation() {
    absl::MutexLock lock(&mu_);
    return generation_;
  }
  int assignments() {
    absl::MutexLock lock(&mu_);
    return assignments_;
  }
  absl::Status evicted() {
    absl::MutexLock lock(&mu_);
    return evicted_;
  }
  void SetBusySince(int64_t ms) { busy_since_ms_ = ms; }

 private:
  absl::Mutex mu_;
  std::vector<Revoked> revokes_ ABSL_GUARDED_BY(mu_);
  std::vector<int32_t> assigned_ ABSL_GUARDED_BY(mu_);
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int assignments_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status evicted_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> busy_since_ms_{0};
};

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kTopicId = 7;

  std::string Join(FakeMember& member, int32_t partitions = 6, const std::string& group = "g",
                   const std::string& topic = "t", uint64_t topic_id = kTopicId) {
    std::string id = coordinator_.NewMemberId("test");
    coordinator_.Join(group, id, topic, topic_id, partitions, &member);
    return id;
  }

  // Plays a member's pump: acknowledges every revoke it was sent.
  void AckRevokes(FakeMember& member, const std::string& id, const std::string& group = "g") {
    for (const FakeMember::Revoked& revoke : member.TakeRevokes()) {
      coordinator_.RevokeDone(group, id, revoke.round);
    }
  }

  // Commits `claim`; true if the coordinator let it through to the write.
  absl::Status Commit(int64_t generation, absl::string_view member_id = "", int32_t partition = 0,
                      uint64_t topic_id = kTopicId) {
    return coordinator_.CommitIfAllowed(
        GroupCoordinator::CommitClaim{"g", "t", topic_id, {&partition, 1}, generation, member_id}, [&] {
          ++writes_;
          return absl::OkStatus();
        });
  }

  GroupCoordinator coordinator_{/*session_timeout_ms=*/0, /*epochs=*/nullptr};
  int writes_ = 0;
};

TEST_F(GroupCoordinatorTest, FirstMemberGetsEverythingAtGenerationOne) {
  FakeMember a;
  Join(a);
  EXPECT_THAT(a.assigned(), ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(a.generation(), 1);
  EXPECT_EQ(coordinator_.Generation("g"), 1);
  EXPECT_TRUE(coordinator_.HasMembers("g"));
  EXPECT_THAT(coordinator_.GroupsWithMembers(), ElementsAre("g"));
}

TEST_F(GroupCoordinatorTest, RevokesBeforeAssigning) {
  FakeMember a, b;
  const std::string a_id = Join(a);
  Join(b);
  // a must give up three partitions first; until it does, nothing new is
  // announced and b owns nothing.
  std::vector<FakeMember::Revoked> revokes = a.TakeRevokes();
  ASSERT_EQ(revokes.size(), 1u);
  EXPECT_EQ(revokes[0].partitions.size(), 3u);
  EXPECT_EQ(b.assignments(), 0);
  EXPECT_EQ(coordinator_.Generation("g"), 1);
  std::vector<GroupMemberInfo> members = coordinator_.Members("g");
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].partitions.size(), 3u);  // a keeps the rest meanwhile
  EXPECT_THAT(members[1].partitions, IsEmpty());

  coordinator_.RevokeDone("g", a_id, revokes[0].round);
  EXPECT_EQ(coordinator_.Generation("g"), 2);
  EXPECT_EQ(a.generation(), 2);
  EXPECT_EQ(b.generation(), 2);
  EXPECT_EQ(b.assigned(), revokes[0].partitions);
  std::vector<int32_t> all = a.assigned();
  const std::vector<int32_t> b_partitions = b.assigned();
  all.insert(all.end(), b_partitions.begin(), b_partitions.end());
  std::sort(all.begin(), all.end());
  EXPECT_THAT(all, ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST_F(GroupCoordinatorTest, StaleAndWrongAcknowledgementsAreIgnored) {
  FakeMember a, b;
  const std::string a_id = Join(a);
  const std::string b_id = Join(b);
  std::vector<FakeMember::Revoked> revokes = a.TakeRevokes();
  ASSERT_EQ(revokes.size(), 1u);
  coordinator_.RevokeDone("g", a_id, revokes[0].round + 1);  // wrong round
  coordinator_.RevokeDone("g", b_id, revokes[0].round);      // b was not asked
  coordinator_.RevokeDone("nope", a_id, revokes[0].round);
  EXPECT_EQ(coordinator_.Generation("g"), 1);
  coordinator_.RevokeDone("g", a_id, revokes[0].round);
  EXPECT_EQ(coordinator_.Generation("g"), 2);
}

TEST_F(GroupCoordinatorTest, LeavingDuringARevokeCountsAsDone) {
  FakeMember a, b;
  const std::string a_id = Join(a);
  Join(b);
  ASSERT_EQ(a.TakeRevokes().size(), 1u);
  coordinator_.Leave("g", a_id);
  EXPECT_THAT(b.assigned(), ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(coordinator_.Members("g").size(), 1u);
  coordinator_.Leave("g", a_id);  // idempotent
  coordinator_.Leave("g", "unknown");
}

TEST_F(GroupCoordinatorTest, JoinsDuringARoundAreAnnouncedTogether) {
  FakeMember a, b, c;
  const std::string a_id = Join(a);
  Join(b);
  Join(c);  // while a still owes its revoke
  AckRevokes(a, a_id);
  // The second round (for c) may need another revoke from a.
  AckRevokes(a, a_id);
  EXPECT_EQ(a.assigned().size() + b.assigned().size() + c.assigned().size(), 6u);
  EXPECT_EQ(b.assigned().size(), 2u);
  EXPECT_EQ(c.assigned().size(), 2u);
  EXPECT_EQ(a.generation(), b.generation());
  EXPECT_EQ(b.generation(), c.generation());
  // b and c were only told the final result.
  EXPECT_EQ(b.assignments(), 1);
  EXPECT_EQ(c.assignments(), 1);
}

TEST_F(GroupCoordinatorTest, IdleMemberTakesOverFromALeaver) {
  FakeMember a, b, c;
  const std::string a_id = Join(a, 2);
  const std::string b_id = Join(b, 2);
  AckRevokes(a, a_id);
  Join(c, 2);
  EXPECT_THAT(c.assigned(), IsEmpty());
  const int64_t before = coordinator_.Generation("g");
  const std::vector<int32_t> a_had = a.assigned();
  coordinator_.Leave("g", a_id);
  EXPECT_EQ(c.assigned(), a_had);
  EXPECT_EQ(coordinator_.Generation("g"), before + 1);
  AckRevokes(b, b_id);
  EXPECT_EQ(b.assigned().size(), 1u);
}

TEST_F(GroupCoordinatorTest, CommitsNeedTheCurrentGeneration) {
  // A standalone consumer of a group nobody is in.
  EXPECT_THAT(Commit(0), IsOk());
  EXPECT_THAT(Commit(1), StatusIs(absl::StatusCode::kFailedPrecondition));
  FakeMember a, b;
  const std::string a_id = Join(a);
  EXPECT_THAT(Commit(1), IsOk());
  Join(b);
  AckRevokes(a, a_id);
  EXPECT_THAT(Commit(1), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Commit(2), IsOk());
  // After everyone left the generation is still fenced (it moved on).
  coordinator_.Leave("g", a_id);
  coordinator_.Leave("g", coordinator_.Members("g")[0].member_id);
  EXPECT_THAT(Commit(2), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(writes_, 3);
}

// Generation 0 used to bypass the check even while members consumed.
TEST_F(GroupCoordinatorTest, GenerationZeroIsRefusedWhileTheGroupHasMembers) {
  FakeMember a;
  const std::string a_id = Join(a);
  absl::Status refused = Commit(0);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("live member"));
  coordinator_.Leave("g", a_id);
  EXPECT_THAT(Commit(0), IsOk());
  EXPECT_EQ(writes_, 1);
}

// With a member id, the member must own the partition in that generation.
TEST_F(GroupCoordinatorTest, AMemberCommitsOnlyWhatItOwns) {
  FakeMember a, b;
  const std::string a_id = Join(a, 2);
  EXPECT_THAT(Commit(1, a_id, 0), IsOk());
  EXPECT_THAT(Commit(1, a_id, 1), IsOk());
  const std::string b_id = Join(b, 2);
  AckRevokes(a, a_id);
  ASSERT_EQ(a.assigned().size(), 1u);
  const int32_t mine = a.assigned()[0];
  const int32_t theirs = 1 - mine;
  EXPECT_THAT(Commit(2, a_id, mine), IsOk());
  EXPECT_THAT(Commit(2, a_id, theirs), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Commit(2, b_id, theirs), IsOk());
  EXPECT_THAT(Commit(2, "member-999@nobody", mine),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Commit(2, a_id, mine, kTopicId + 1), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Without a member id only the generation is checked (older clients).
  EXPECT_THAT(Commit(2, "", theirs), IsOk());
  EXPECT_EQ(writes_, 5);
}

TEST_F(GroupCoordinatorTest, TopicsOfAGroupAreAssignedSeparatelyUnderOneGeneration) {
  FakeMember a, b;
  Join(a, 3, "g", "left", 1);
  Join(b, 2, "g", "right", 2);
  EXPECT_THAT(a.assigned(), ElementsAre(0, 1, 2));
  EXPECT_THAT(b.assigned(), ElementsAre(0, 1));
  EXPECT_EQ(a.generation(), 2);  // told again when b joined
  EXPECT_EQ(b.generation(), 2);
  // Other groups are independent.
  FakeMember c;
  Join(c, 3, "other", "left", 1);
  EXPECT_THAT(c.assigned(), ElementsAre(0, 1, 2));
  EXPECT_EQ(c.generation(), 1);
  EXPECT_THAT(coordinator_.GroupsWithMembers(), ElementsAre("g", "other"));
}

TEST(GroupCoordinatorSessionTest, EvictsAMemberWhoseWriteIsStuck) {
  FakeMember a, b;  // outlive the coordinator's session thread
  GroupCoordinator coordinator(/*session_timeout_ms=*/100, /*epochs=*/nullptr);
  const std::string a_id = coordinator.NewMemberId("");
  coordinator.Join("g", a_id, "t", 1, 4, &a);
  const std::string b_id = coordinator.NewMemberId("");
  coordinator.Join("g", b_id, "t", 1, 4, &b);
  // a never acknowledges: its write has been stuck for a while.
  a.SetBusySince(absl::ToUnixMillis(absl::Now()) - 1000);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (a.evicted().ok() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_THAT(a.evicted(), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(b.assigned(), ElementsAre(0, 1, 2, 3));
  ASSERT_EQ(coordinator.Members("g").size(), 1u);
  EXPECT_EQ(coordinator.Members("g")[0].member_id, b_id);
  // A busy member within the timeout stays.
  b.SetBusySince(absl::ToUnixMillis(absl::Now()) + 60'000);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_TRUE(b.evicted().ok());
}

// Generations never repeat: a coordinator after a restart continues from the
// group's persisted epoch, so a member from before cannot commit with a
// generation that is valid again.
TEST(GroupCoordinatorEpochTest, GenerationsContinueAcrossRestarts) {
  eventlog::testing::TempDir dir;
  storage::StoreOptions options;
  options.data_dir = dir.path();
  options.cleanup_interval_ms = 0;
  FakeMember a, b, c;
  int64_t before_restart;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> store, storage::Store::Open(options));
    GroupCoordinator coordinator(0, &store->offsets());
    const std::string a_id = coordinator.NewMemberId("");
    coordinator.Join("g", a_id, "t", 1, 4, &a);
    const std::string b_id = coordinator.NewMemberId("");
    coordinator.Join("g", b_id, "t", 1, 4, &b);
    for (const FakeMember::Revoked& r : a.TakeRevokes()) coordinator.RevokeDone("g", a_id, r.round);
    before_restart = coordinator.Generation("g");
    ASSERT_EQ(before_restart, 2);
    coordinator.Leave("g", a_id);
    coordinator.Leave("g", b_id);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> store, storage::Store::Open(options));
  GroupCoordinator coordinator(0, &store->offsets());
  const std::string c_id = coordinator.NewMemberId("");
  coordinator.Join("g", c_id, "t", 1, 4, &c);
  EXPECT_GT(c.generation(), before_restart + 1);
  // The old generation is not valid again.
  int writes = 0;
  auto write = [&] {
    ++writes;
    return absl::OkStatus();
  };
  const int32_t zero = 0;
  EXPECT_THAT(coordinator.CommitIfAllowed({"g", "t", 1, {&zero, 1}, before_restart, ""}, write),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(coordinator.CommitIfAllowed({"g", "t", 1, {&zero, 1}, c.generation(), c_id}, write),
              IsOk());
  EXPECT_EQ(writes, 1);
  coordinator.Leave("g", c_id);
}

}  // namespace
}  // namespace eventlog::broker

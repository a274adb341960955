// ClassicGroup: Kafka's classic group protocol, with explicit time: joins
// that form generations, the leader's assignment answering every SyncGroup,
// heartbeats telling members to rejoin, rebalance and session timeouts,
// leaving, commit fencing, the initial rebalance delay, protocol
// consistency, and generations persisted before they are announced.
#include "service/broker/classic_group.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/util/error_reason.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using util::ErrorReason;

constexpr int32_t kSession = 10'000;
constexpr int32_t kRebalance = 30'000;

class ClassicGroupTest : public ::testing::Test {
 protected:
  // The latest answer a member got to its JoinGroup / SyncGroup.
  struct Answers {
    std::optional<absl::StatusOr<ClassicJoinResult>> join;
    std::optional<absl::StatusOr<std::string>> sync;
  };

  explicit ClassicGroupTest(int64_t initial_delay_ms = 0)
      : group_("g", 5, initial_delay_ms,
               [this](const std::string&, int64_t generation) { persisted_.push_back(generation); }) {}

  ClassicJoinRequest Request(const std::string& member_id, const std::string& protocol = "range",
                             const std::string& type = "consumer") {
    ClassicJoinRequest request;
    request.group = "g";
    request.member_id = member_id;
    request.session_timeout_ms = kSession;
    request.rebalance_timeout_ms = kRebalance;
    request.protocol_type = type;
    request.protocols = {{protocol, "meta-" + member_id}};
    request.topics = {"t"};
    return request;
  }

  void Join(const std::string& member_id, bool known, ClassicJoinRequest request) {
    request.member_id = member_id;
    ClassicGroup::Completions out;
    answers_[member_id].join.reset();
    group_.Join(std::move(request), known, [this, member_id](absl::StatusOr<ClassicJoinResult> r) {
      answers_[member_id].join = std::move(r);
    }, now_, &out);
    Run(out);
  }
  void Join(const std::string& member_id, bool known) { Join(member_id, known, Request(member_id)); }

  void Sync(const std::string& member_id, int64_t generation,
            std::vector<ClassicAssignment> assignments = {}) {
    ClassicGroup::Completions out;
    answers_[member_id].sync.reset();
    group_.Sync(ClassicSyncRequest{"g", generation, member_id, std::move(assignments)},
                [this, member_id](absl::StatusOr<std::string> r) {
                  answers_[member_id].sync = std::move(r);
                },
                now_, &out);
    Run(out);
  }

  void Tick(int64_t advance_ms) {
    now_ += advance_ms;
    ClassicGroup::Completions out;
    group_.Tick(now_, &out);
    Run(out);
  }

  static void Run(ClassicGroup::Completions& out) {
    for (auto& completion : out) completion();
  }

  std::optional<ErrorReason> JoinReason(const std::string& member_id) {
    const auto& join = answers_[member_id].join;
    if (!join.has_value() || join->ok()) return std::nullopt;
    return util::ReasonOf(join->status());
  }

  ClassicGroup group_;
  int64_t now_ = 1'000'000;
  std::vector<int64_t> persisted_;
  std::map<std::string, Answers> answers_;
};

TEST_F(ClassicGroupTest, ALoneMemberFormsAGenerationLeadsAndGetsItsAssignment) {
  Join("a", false);
  ASSERT_TRUE(answers_["a"].join.has_value());
  ASSERT_OK(*answers_["a"].join);
  const ClassicJoinResult& result = **answers_["a"].join;
  EXPECT_EQ(result.generation, 6);  // above the persisted epoch 5
  EXPECT_EQ(persisted_, std::vector<int64_t>{6});
  EXPECT_EQ(result.leader, "a");
  EXPECT_EQ(result.protocol_name, "range");
  ASSERT_EQ(result.members.size(), 1u);
  EXPECT_EQ(result.members[0].metadata, "meta-a");
  EXPECT_EQ(group_.state(), ClassicGroup::State::kCompletingRebalance);
  Sync("a", 6, {{"a", "assignment-a", {{"t", {0, 1}}}}});
  ASSERT_TRUE(answers_["a"].sync.has_value());
  EXPECT_EQ(**answers_["a"].sync, "assignment-a");
  EXPECT_EQ(group_.state(), ClassicGroup::State::kStable);
  EXPECT_OK(group_.Heartbeat("a", 6, now_));
  EXPECT_EQ(group_.Describe().members[0].partitions,
            (std::vector<TopicPartitions>{{"t", {0, 1}}}));
}

TEST_F(ClassicGroupTest, ASecondMemberMakesTheFirstRejoinAndFollowersWaitForTheLeader) {
  Join("a", false);
  Sync("a", 6, {{"a", "all", {}}});
  Join("b", false);
  EXPECT_FALSE(answers_["b"].join.has_value());  // waits for a to rejoin
  EXPECT_EQ(util::ReasonOf(group_.Heartbeat("a", 6, now_)), ErrorReason::kRebalanceInProgress);
  Join("a", true);
  ASSERT_OK(*answers_["a"].join);
  ASSERT_OK(*answers_["b"].join);
  EXPECT_EQ(answers_["a"].join->value().generation, 7);
  EXPECT_EQ(answers_["a"].join->value().leader, "a");  // the leader stays
  EXPECT_EQ(answers_["a"].join->value().members.size(), 2u);
  EXPECT_TRUE(answers_["b"].join->value().members.empty());  // followers get no list
  Sync("b", 7);
  EXPECT_FALSE(answers_["b"].sync.has_value());  // parked until the leader's
  Sync("a", 7, {{"a", "half-a", {}}, {"b", "half-b", {}}});
  EXPECT_EQ(**answers_["b"].sync, "half-b");
  EXPECT_EQ(**answers_["a"].sync, "half-a");
  // A stale generation is refused.
  EXPECT_EQ(util::ReasonOf(group_.Heartbeat("b", 6, now_)), ErrorReason::kIllegalGeneration);
  EXPECT_EQ(util::ReasonOf(group_.Heartbeat("x", 7, now_)), ErrorReason::kUnknownMember);
}

TEST_F(ClassicGroupTest, AMemberThatDoesNotRejoinIsRemovedAtTheRebalanceTimeout) {
  Join("a", false);
  Sync("a", 6);
  Join("b", false);
  // a keeps heartbeating (its session lives) but never rejoins.
  for (int64_t waited = 0; waited + 5000 < kRebalance; waited += 5000) {
    Tick(5000);
    EXPECT_EQ(util::ReasonOf(group_.Heartbeat("a", 6, now_)), ErrorReason::kRebalanceInProgress);
  }
  EXPECT_FALSE(answers_["b"].join.has_value());
  Tick(5001);
  ASSERT_TRUE(answers_["b"].join.has_value());
  ASSERT_OK(*answers_["b"].join);
  EXPECT_EQ(answers_["b"].join->value().leader, "b");
  EXPECT_FALSE(group_.HasMember("a"));
}

TEST_F(ClassicGroupTest, ASilentMemberExpiresAfterItsSessionTimeoutAndTheGroupRebalances) {
  Join("a", false);
  Sync("a", 6);
  Join("b", false);
  Join("a", true);
  Sync("a", 7, {{"a", "x", {}}, {"b", "y", {}}});
  Sync("b", 7);
  for (int i = 0; i < 2; ++i) {
    Tick(kSession / 2);
    ASSERT_OK(group_.Heartbeat("a", 7, now_));  // only a keeps its session
  }
  EXPECT_TRUE(group_.HasMember("b"));
  Tick(1);
  EXPECT_FALSE(group_.HasMember("b"));
  EXPECT_EQ(group_.state(), ClassicGroup::State::kPreparingRebalance);
  EXPECT_EQ(util::ReasonOf(group_.Heartbeat("a", 7, now_)), ErrorReason::kRebalanceInProgress);
  Join("a", true);
  EXPECT_EQ(answers_["a"].join->value().generation, 8);
}

TEST_F(ClassicGroupTest, MembersWaitingForAnAnswerDoNotExpire) {
  Join("a", false);
  Sync("a", 6);
  Join("b", false);  // waits for a; its session does not run out meanwhile
  Tick(kSession + 1);
  EXPECT_TRUE(group_.HasMember("b"));
}

TEST_F(ClassicGroupTest, TheLastMemberLeavingEmptiesTheGroupAndLeavingTriggersARebalance) {
  Join("a", false);
  Sync("a", 6);
  Join("b", false);
  Join("a", true);
  Sync("a", 7);
  ClassicGroup::Completions out;
  ASSERT_OK(group_.Leave("b", now_, &out));
  Run(out);
  EXPECT_EQ(group_.state(), ClassicGroup::State::kPreparingRebalance);
  Join("a", true);
  EXPECT_EQ(answers_["a"].join->value().generation, 8);
  ASSERT_OK(group_.Leave("a", now_, &out));
  EXPECT_TRUE(group_.empty());
  EXPECT_EQ(group_.state(), ClassicGroup::State::kEmpty);
  EXPECT_EQ(util::ReasonOf(group_.Leave("a", now_, &out)), ErrorReason::kUnknownMember);
}

TEST_F(ClassicGroupTest, CommitsAreFencedByMemberGenerationAndState) {
  EXPECT_OK(group_.CheckCommit(0, "", now_));  // no members: anyone
  Join("a", false);
  EXPECT_EQ(util::ReasonOf(group_.CheckCommit(6, "a", now_)), ErrorReason::kRebalanceInProgress);
  Sync("a", 6);
  EXPECT_OK(group_.CheckCommit(6, "a", now_));
  EXPECT_EQ(util::ReasonOf(group_.CheckCommit(0, "", now_)), ErrorReason::kUnknownMember);
  EXPECT_EQ(util::ReasonOf(group_.CheckCommit(5, "a", now_)), ErrorReason::kIllegalGeneration);
  EXPECT_EQ(util::ReasonOf(group_.CheckCommit(6, "zz", now_)), ErrorReason::kUnknownMember);
}

TEST_F(ClassicGroupTest, AMemberWithAnotherProtocolIsRefused) {
  Join("a", false);
  Join("b", false, Request("b", "roundrobin"));
  EXPECT_EQ(JoinReason("b"), ErrorReason::kInconsistentGroupProtocol);
  Join("c", false, Request("c", "range", "connect"));
  EXPECT_EQ(JoinReason("c"), ErrorReason::kInconsistentGroupProtocol);
  EXPECT_FALSE(group_.HasMember("b"));
}

TEST_F(ClassicGroupTest, TheProtocolEveryMemberSupportsWithTheMostVotesIsChosen) {
  ClassicJoinRequest a = Request("a");
  a.protocols = {{"cooperative-sticky", ""}, {"range", ""}, {"roundrobin", ""}};
  Join("a", false, a);
  Sync("a", 6);
  ClassicJoinRequest b = Request("b");
  b.protocols = {{"roundrobin", ""}, {"range", ""}};
  Join("b", false, b);
  ClassicJoinRequest c = Request("c");
  c.protocols = {{"range", ""}, {"roundrobin", ""}};
  Join("c", false, c);
  Join("a", true, a);
  ASSERT_OK(*answers_["a"].join);
  // Candidates range and roundrobin: a and c vote range, b roundrobin.
  EXPECT_EQ(answers_["a"].join->value().protocol_name, "range");
}

TEST_F(ClassicGroupTest, AnUnknownMemberIdIsRefused) {
  Join("ghost", true);
  EXPECT_EQ(JoinReason("ghost"), ErrorReason::kUnknownMember);
}

TEST_F(ClassicGroupTest, ASyncWithAStaleGenerationOrFromAStrangerIsRefused) {
  Join("a", false);
  Sync("a", 5);
  ASSERT_TRUE(answers_["a"].sync.has_value());
  EXPECT_EQ(util::ReasonOf(answers_["a"].sync->status()), ErrorReason::kIllegalGeneration);
  Sync("x", 6);
  EXPECT_EQ(util::ReasonOf(answers_["x"].sync->status()), ErrorReason::kUnknownMember);
  EXPECT_EQ(group_.state(), ClassicGroup::State::kCompletingRebalance);  // still a's to finish
  Sync("a", 6, {{"a", "mine", {}}});
  EXPECT_EQ(**answers_["a"].sync, "mine");
}

TEST_F(ClassicGroupTest, ALeaderLeavingBeforeItsSyncSendsTheWaitingFollowersBackToJoin) {
  Join("a", false);
  Sync("a", 6);
  Join("b", false);
  Join("a", true);  // generation 7, a leads
  Sync("b", 7);
  EXPECT_FALSE(answers_["b"].sync.has_value());  // parked until the leader's
  ClassicGroup::Completions out;
  ASSERT_OK(group_.Leave("a", now_, &out));
  Run(out);
  ASSERT_TRUE(answers_["b"].sync.has_value());
  EXPECT_EQ(util::ReasonOf(answers_["b"].sync->status()), ErrorReason::kRebalanceInProgress);
  EXPECT_EQ(group_.state(), ClassicGroup::State::kPreparingRebalance);
  Join("b", true);
  ASSERT_OK(*answers_["b"].join);
  EXPECT_EQ(answers_["b"].join->value().generation, 8);
  EXPECT_EQ(answers_["b"].join->value().leader, "b");
}

TEST_F(ClassicGroupTest, FailPendingAnswersParkedJoinsAndSyncsOnce) {
  Join("a", false);
  Sync("a", 6);
  Join("b", false);  // parked: a has not rejoined
  Join("a", true);
  Sync("b", 7);  // parked: the leader has not synced
  ASSERT_FALSE(answers_["b"].sync.has_value());
  Join("c", false);  // a new rebalance: b's sync is told to rejoin, c waits
  ASSERT_TRUE(answers_["b"].sync.has_value());
  EXPECT_EQ(util::ReasonOf(answers_["b"].sync->status()), ErrorReason::kRebalanceInProgress);
  ASSERT_FALSE(answers_["c"].join.has_value());
  ClassicGroup::Completions out;
  group_.FailPending(absl::UnavailableError("shutting down"), &out);
  Run(out);
  ASSERT_TRUE(answers_["c"].join.has_value());
  EXPECT_EQ(answers_["c"].join->status().code(), absl::StatusCode::kUnavailable);
  out.clear();
  group_.FailPending(absl::UnavailableError("again"), &out);
  EXPECT_TRUE(out.empty());  // nothing is answered twice
}

class ClassicGroupInitialDelayTest : public ClassicGroupTest {
 protected:
  ClassicGroupInitialDelayTest() : ClassicGroupTest(3000) {}
};

TEST_F(ClassicGroupInitialDelayTest, MembersStartingTogetherFormOneGeneration) {
  Join("a", false);
  Tick(2000);
  Join("b", false);  // extends the delay by another 3 s from now
  Tick(2000);
  EXPECT_FALSE(answers_["a"].join.has_value());
  Tick(1001);
  ASSERT_OK(*answers_["a"].join);
  ASSERT_OK(*answers_["b"].join);
  EXPECT_EQ(answers_["a"].join->value().generation, 6);
  EXPECT_EQ(answers_["b"].join->value().generation, 6);
  EXPECT_EQ(persisted_, std::vector<int64_t>{6});
}

}  // namespace
}  // namespace eventlog::broker

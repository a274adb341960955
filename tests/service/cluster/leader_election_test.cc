// LeaderElection against a real etcd: one leader at a time, hand-over on
// resignation and on the leader's lease going, fencing of a deposed leader.
#include "service/cluster/etcd/leader_election.h"

#include <memory>
#include <string>

#include "tests/service/cluster/recorder.h"
#include "tests/service/cluster/shared_etcd.h"
#include "tests/test_util.h"

namespace eventlog::etcd {
namespace {

using ::eventlog::testing::NewSharedEtcdClient;
using ::eventlog::testing::Recorder;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TestPrefix;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// One candidate, with its own client (as another broker would have) and a
// record of its leadership changes: "elected NAME@REVISION" / "lost ...".
struct Candidate {
  Candidate(const std::string& key, const std::string& name) : client(NewSharedEtcdClient()) {
    LeaderElectionOptions options;
    options.key = key;
    options.value = name;
    options.lease_ttl_seconds = 2;
    options.on_elected = [this](const Leadership& leadership) {
      terms.Add(leadership);  // first: tests wait on `changes`
      changes.Add("elected " + leadership.value);
    };
    options.on_lost = [this](const Leadership& leadership) {
      changes.Add("lost " + leadership.value);
    };
    election = std::move(LeaderElection::Create(client.get(), std::move(options))).value();
  }

  std::unique_ptr<EtcdClient> client;
  Recorder<std::string> changes;
  Recorder<Leadership> terms;
  std::unique_ptr<LeaderElection> election;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  std::optional<std::string> Leader() {
    absl::StatusOr<std::optional<KeyValue>> leader = LeaderElection::ReadLeader(*client_, key_);
    EXPECT_OK(leader);
    if (!leader.ok() || !leader->has_value()) return std::nullopt;
    return (*leader)->value;
  }

  std::unique_ptr<EtcdClient> client_ = NewSharedEtcdClient();
  const std::string key_ = TestPrefix() + "controller";
};

TEST_F(LeaderElectionTest, FirstCandidateLeadsAndTheSecondWaits) {
  Candidate a(key_, "a"), b(key_, "b");
  EXPECT_EQ(Leader(), std::nullopt);
  ASSERT_OK(a.election->Campaign());
  ASSERT_THAT(a.changes.WaitForCount(1), ElementsAre("elected a"));
  ASSERT_OK(b.election->Campaign());

  EXPECT_EQ(Leader(), "a");
  ASSERT_TRUE(a.election->leadership().has_value());
  EXPECT_EQ(a.election->leadership()->value, "a");
  EXPECT_FALSE(b.election->leadership().has_value());
  EXPECT_THAT(b.changes.values(), IsEmpty());
  EXPECT_THAT(a.election->Campaign(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(LeaderElectionTest, ResignationHandsLeadershipOverAtOnce) {
  Candidate a(key_, "a"), b(key_, "b");
  ASSERT_OK(a.election->Campaign());
  ASSERT_THAT(a.changes.WaitForCount(1), ElementsAre("elected a"));
  ASSERT_OK(b.election->Campaign());

  ASSERT_OK(a.election->Resign());
  EXPECT_THAT(a.changes.values(), ElementsAre("elected a", "lost a"));
  EXPECT_FALSE(a.election->leadership().has_value());
  EXPECT_THAT(b.changes.WaitForCount(1), ElementsAre("elected b"));
  EXPECT_EQ(Leader(), "b");
}

// The leader's lease goes (revoked here; a crashed leader's expires): the
// waiting candidate wins, the old leader is told and campaigns again, and a
// write fenced by the old term fails.
TEST_F(LeaderElectionTest, SecondCandidateWinsWhenTheLeadersLeaseGoes) {
  Candidate a(key_, "a"), b(key_, "b");
  ASSERT_OK(a.election->Campaign());
  ASSERT_EQ(a.terms.WaitForCount(1).size(), 1u);
  const Leadership old_term = a.terms.values()[0];
  ASSERT_OK(b.election->Campaign());

  ASSERT_OK(client_->RevokeLease(old_term.lease));

  ASSERT_THAT(b.changes.WaitForCount(1), ElementsAre("elected b"));
  EXPECT_THAT(a.changes.WaitForCount(2), ElementsAre("elected a", "lost a"));
  EXPECT_EQ(Leader(), "b");
  const Leadership new_term = b.terms.values()[0];
  EXPECT_GT(new_term.create_revision, old_term.create_revision);

  TxnRequest fenced;
  fenced.compares = {old_term.StillLeader()};
  fenced.then_ops = {TxnOp::Put(TestPrefix() + "assignment", "from a")};
  absl::StatusOr<TxnResult> stale = client_->Txn(fenced);
  ASSERT_OK(stale);
  EXPECT_FALSE(stale->succeeded);
  fenced.compares = {new_term.StillLeader()};
  absl::StatusOr<TxnResult> current = client_->Txn(fenced);
  ASSERT_OK(current);
  EXPECT_TRUE(current->succeeded);

  // a campaigns on with a new lease and takes over when b resigns.
  ASSERT_OK(b.election->Resign());
  EXPECT_THAT(a.changes.WaitForCount(3), ElementsAre("elected a", "lost a", "elected a"));
  EXPECT_NE(a.terms.values().back().lease, old_term.lease);
  EXPECT_EQ(Leader(), "a");
}

TEST_F(LeaderElectionTest, DeletingTheKeyDeposesTheLeaderWhoThenWinsAgain) {
  Candidate a(key_, "a");
  ASSERT_OK(a.election->Campaign());
  ASSERT_EQ(a.terms.WaitForCount(1).size(), 1u);
  ASSERT_OK(client_->Delete(KeyRange::Key(key_)));
  EXPECT_THAT(a.changes.WaitForCount(3), ElementsAre("elected a", "lost a", "elected a"));
  const std::vector<Leadership> terms = a.terms.values();
  EXPECT_GT(terms.back().create_revision, terms.front().create_revision);
  EXPECT_EQ(terms.back().lease, terms.front().lease);
}

TEST_F(LeaderElectionTest, EmptyKeyIsInvalid) {
  EXPECT_THAT(LeaderElection::Create(client_.get(), LeaderElectionOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::etcd

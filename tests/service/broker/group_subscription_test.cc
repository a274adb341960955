// Group-mode subscriptions on a real Store, the test playing each stream's
// pump: assignments announced before records, revoke before assign, exactly
// one owner per record, fencing, resuming from commits, eviction of a member
// whose write is stuck, topic deletion.
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/broker/broker.h"
#include "storage/util/clock.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using Kind = StartPosition::Kind;

using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ::eventlog::testing::kNowMs;

// What a member's stream received.
struct Received {
  std::vector<AssignmentEvent> assignments;
  std::map<int32_t, std::vector<std::string>> values;  // partition -> values
  // Partition of each record batch, in order, with the generation announced
  // before it.
  std::vector<std::pair<int32_t, int64_t>> batches;
};

class GroupSubscriptionTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    storage::StoreOptions options;
    options.data_dir = dir_.path();
    options.clock = &clock_;
    options.cleanup_interval_ms = 0;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_OK(store);
    store_ = *std::move(store);
    broker_ = std::make_unique<Broker>(store_.get(), broker_options_);
  }

  void Reopen() {
    broker_.reset();
    ASSERT_OK(store_->Close());
    store_.reset();
    Open();
  }

  void CreateTopic(const std::string& name, int32_t partitions) {
    CreateTopicRequest request;
    request.name = name;
    request.partitions = partitions;
    ASSERT_OK(broker_->CreateTopic(request));
  }

  void ProduceTo(const std::string& topic, int32_t partition, const std::string& value) {
    ProduceRequest request;
    request.topic = topic;
    request.partition = partition;
    ProduceRecord record;
    record.value = value;
    request.records.push_back(record);
    std::promise<absl::StatusOr<ProduceResult>> done;
    broker_->Produce(request, [&done](absl::StatusOr<ProduceResult> result) {
      done.set_value(std::move(result));
    });
    ASSERT_OK(done.get_future().get());
  }

  std::unique_ptr<Subscription> Member(const std::string& group, const std::string& topic,
                                       std::optional<Kind> start = std::nullopt,
                                       Kind reset_to = Kind::kEarliest) {
    SubscribeRequest request;
    request.topic = topic;
    request.group = group;
    if (start.has_value()) request.start = StartPosition::Of(*start);
    request.reset_to = reset_to;
    absl::StatusOr<std::unique_ptr<Subscription>> subscription = broker_->Subscribe(request);
    EXPECT_OK(subscription);
    return subscription.ok() ? *std::move(subscription) : nullptr;
  }

  // Plays the pump until it has nothing to send; every message counts as
  // written at once.
  absl::Status Drain(Subscription& subscription, Received& received) {
    for (;;) {
      absl::StatusOr<std::optional<SubscriptionEvent>> next = subscription.Next();
      if (!next.ok()) return next.status();
      if (!next->has_value()) return absl::OkStatus();
      const SubscriptionEvent& event = **next;
      if (event.assignment.has_value()) {
        received.assignments.push_back(*event.assignment);
        continue;
      }
      const int64_t generation =
          received.assignments.empty() ? 0 : received.assignments.back().generation;
      received.batches.emplace_back(event.batch->partition(), generation);
      for (const storage::RecordView& record : event.batch->read().records) {
        received.values[event.batch->partition()].emplace_back(record.value);
      }
    }
  }

  static std::vector<int32_t> Partitions(const Received& received) {
    return received.assignments.empty() ? std::vector<int32_t>()
                                        : received.assignments.back().partitions;
  }

  eventlog::testing::TempDir dir_;
  util::ManualClock clock_{kNowMs};
  BrokerOptions broker_options_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(GroupSubscriptionTest, TwoMembersSplitAndEveryRecordReachesExactlyItsOwner) {
  CreateTopic("t", 4);
  auto a = Member("g", "t");
  Received got_a, got_b;
  ASSERT_OK(Drain(*a, got_a));
  ASSERT_EQ(got_a.assignments.size(), 1u);
  EXPECT_THAT(got_a.assignments[0].partitions, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(got_a.assignments[0].generation, 1);
  EXPECT_FALSE(got_a.assignments[0].member_id.empty());

  auto b = Member("g", "t");
  // b gets nothing until a has let go of its share.
  ASSERT_OK(Drain(*b, got_b));
  EXPECT_THAT(got_b.assignments, IsEmpty());
  ASSERT_OK(Drain(*a, got_a));  // applies the revoke, reports it, gets gen 2
  ASSERT_OK(Drain(*b, got_b));
  ASSERT_EQ(got_a.assignments.size(), 2u);
  ASSERT_EQ(got_b.assignments.size(), 1u);
  EXPECT_EQ(got_a.assignments[1].generation, 2);
  EXPECT_EQ(got_b.assignments[0].generation, 2);
  std::set<int32_t> all;
  for (int32_t p : Partitions(got_a)) all.insert(p);
  for (int32_t p : Partitions(got_b)) EXPECT_TRUE(all.insert(p).second) << "shared " << p;
  EXPECT_EQ(all, (std::set<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(Partitions(got_a).size(), 2u);

  for (int32_t p = 0; p < 4; ++p) ProduceTo("t", p, absl::StrCat("p", p));
  ASSERT_OK(Drain(*a, got_a));
  ASSERT_OK(Drain(*b, got_b));
  for (int32_t p = 0; p < 4; ++p) {
    const bool a_owns = got_a.values.contains(p);
    const bool b_owns = got_b.values.contains(p);
    EXPECT_NE(a_owns, b_owns) << "partition " << p;
    const Received& owner = a_owns ? got_a : got_b;
    EXPECT_THAT(owner.values.at(p), ElementsAre(absl::StrCat("p", p)));
  }
  // Records came after the assignment that announced their partition.
  for (const auto& [partition, generation] : got_b.batches) EXPECT_EQ(generation, 2);

  std::vector<GroupMemberInfo> members = broker_->coordinator().Members("g");
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].member_id, got_a.assignments[0].member_id);
  EXPECT_EQ(members[0].partitions, Partitions(got_a));
  EXPECT_EQ(members[1].partitions, Partitions(got_b));
}

TEST_F(GroupSubscriptionTest, ALeaverPartitionsMoveAndStaleCommitsAreRefused) {
  CreateTopic("t", 2);
  auto a = Member("g", "t");
  auto b = Member("g", "t");
  Received got_a, got_b;
  ASSERT_OK(Drain(*a, got_a));
  ASSERT_OK(Drain(*b, got_b));
  ASSERT_OK(Drain(*a, got_a));
  const int64_t generation = got_b.assignments.back().generation;
  ASSERT_EQ(Partitions(got_b).size(), 1u);
  const int32_t b_partition = Partitions(got_b)[0];
  ProduceTo("t", b_partition, "before");
  ASSERT_OK(Drain(*b, got_b));
  ASSERT_OK(
      broker_->CommitOffset(CommitOffsetRequest{"g", "t", b_partition, 1, "", generation, ""}));

  b->Cancel();  // the stream ended
  ASSERT_OK(Drain(*a, got_a));
  EXPECT_THAT(Partitions(got_a), ElementsAre(0, 1));
  EXPECT_GT(got_a.assignments.back().generation, generation);
  // b was a zombie from here on: its commits bounce.
  EXPECT_THAT(
      broker_->CommitOffset(CommitOffsetRequest{"g", "t", b_partition, 1, "", generation, ""}),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  // So do generation-0 (standalone) commits while the group has members.
  EXPECT_THAT(broker_->CommitOffset(CommitOffsetRequest{"g", "t", b_partition, 1, "", 0, ""}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // a took over at b's committed offset: "before" is not delivered again.
  ProduceTo("t", b_partition, "after");
  ASSERT_OK(Drain(*a, got_a));
  EXPECT_THAT(got_a.values[b_partition], ElementsAre("after"));
}

TEST_F(GroupSubscriptionTest, ANewMemberAfterRestartResumesAtTheCommittedOffset) {
  CreateTopic("t", 1);
  for (int i = 0; i < 5; ++i) ProduceTo("t", 0, absl::StrCat("v", i));
  {
    auto a = Member("g", "t");
    Received got;
    ASSERT_OK(Drain(*a, got));
    ASSERT_EQ(got.values[0].size(), 5u);
    ASSERT_OK(broker_->CommitOffset(
        CommitOffsetRequest{"g", "t", 0, 3, "", got.assignments.back().generation, ""}));
  }
  Reopen();
  ProduceTo("t", 0, "v5");
  auto a = Member("g", "t", std::nullopt, Kind::kLatest);
  Received got;
  ASSERT_OK(Drain(*a, got));
  EXPECT_THAT(got.values[0], ElementsAre("v3", "v4", "v5"));
  absl::StatusOr<std::vector<std::string>> groups = broker_->ListGroups();
  ASSERT_OK(groups);
  EXPECT_THAT(*groups, ElementsAre("g"));
}

TEST_F(GroupSubscriptionTest, StartPositionsOfTheFirstAssignmentAndResetTo) {
  CreateTopic("t", 2);
  ProduceTo("t", 0, "old0");
  ProduceTo("t", 1, "old1");
  // Without commits: reset_to LATEST skips what exists.
  auto latest = Member("latest", "t", std::nullopt, Kind::kLatest);
  Received got_latest;
  ASSERT_OK(Drain(*latest, got_latest));
  EXPECT_TRUE(got_latest.values.empty());
  // An explicit EARLIEST reads everything of the first assignment.
  auto earliest = Member("earliest", "t", Kind::kEarliest, Kind::kLatest);
  Received got_earliest;
  ASSERT_OK(Drain(*earliest, got_earliest));
  EXPECT_THAT(got_earliest.values[0], ElementsAre("old0"));
  EXPECT_THAT(got_earliest.values[1], ElementsAre("old1"));
  // A partition gained later starts at the committed offset, not EARLIEST.
  auto second = Member("earliest", "t", Kind::kEarliest, Kind::kLatest);
  Received got_second;
  ASSERT_OK(Drain(*second, got_second));
  ASSERT_OK(Drain(*earliest, got_earliest));
  ASSERT_OK(Drain(*second, got_second));
  ASSERT_EQ(Partitions(got_second).size(), 1u);
  const int32_t moved = Partitions(got_second)[0];
  ASSERT_OK(broker_->CommitOffset(CommitOffsetRequest{
      "earliest", "t", moved, 1, "", got_second.assignments.back().generation, ""}));
  second->Cancel();
  ASSERT_OK(Drain(*earliest, got_earliest));
  ProduceTo("t", moved, "new");
  ASSERT_OK(Drain(*earliest, got_earliest));
  EXPECT_THAT(got_earliest.values[moved], ElementsAre(absl::StrCat("old", moved), "new"));
}

TEST_F(GroupSubscriptionTest, TwoGroupsEachGetEverything) {
  CreateTopic("t", 3);
  auto x = Member("x", "t");
  auto y = Member("y", "t");
  for (int32_t p = 0; p < 3; ++p) ProduceTo("t", p, absl::StrCat("p", p));
  Received got_x, got_y;
  ASSERT_OK(Drain(*x, got_x));
  ASSERT_OK(Drain(*y, got_y));
  EXPECT_EQ(got_x.values, got_y.values);
  EXPECT_EQ(got_x.values.size(), 3u);
}

TEST_F(GroupSubscriptionTest, AMemberWhoseWriteIsStuckIsEvicted) {
  broker_options_.group_session_timeout_ms = 100;
  Reopen();
  CreateTopic("t", 2);
  ProduceTo("t", 0, "a");
  auto stuck = Member("g", "t");
  // The pump returns a message and is never called again: its write never
  // completes.
  absl::StatusOr<std::optional<SubscriptionEvent>> first = stuck->Next();
  ASSERT_OK(first);
  ASSERT_TRUE(first->has_value());
  auto healthy = Member("g", "t");
  Received got;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (Partitions(got).size() < 2 && absl::Now() < deadline) {
    ASSERT_OK(Drain(*healthy, got));
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(Partitions(got), ElementsAre(0, 1));
  EXPECT_THAT(got.values[0], ElementsAre("a"));
  EXPECT_THAT(stuck->Next(), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(broker_->coordinator().Members("g").size(), 1u);
}

TEST_F(GroupSubscriptionTest, MembersEndWithNotFoundWhenTheTopicIsDeleted) {
  CreateTopic("t", 1);
  auto owner = Member("g", "t");
  auto idle = Member("g", "t");
  Received got_owner, got_idle;
  ASSERT_OK(Drain(*owner, got_owner));
  ASSERT_OK(Drain(*idle, got_idle));
  ASSERT_OK(Drain(*owner, got_owner));
  ASSERT_OK(Drain(*idle, got_idle));
  Subscription& parked = Partitions(got_idle).empty() ? *idle : *owner;
  std::promise<void> woke;
  parked.Park([&woke] { woke.set_value(); });
  ASSERT_OK(broker_->DeleteTopic("t"));
  woke.get_future().wait();  // an idle member wakes too
  EXPECT_THAT(owner->Next(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(idle->Next(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(broker_->coordinator().HasMembers("g"));
}

TEST_F(GroupSubscriptionTest, RefusedGroupSubscriptions) {
  CreateTopic("t", 2);
  SubscribeRequest request;
  request.topic = "t";
  request.group = "g";
  request.partitions = {0};
  EXPECT_THAT(broker_->Subscribe(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.partitions.clear();
  request.reset_to = Kind::kOffset;
  EXPECT_THAT(broker_->Subscribe(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.reset_to = Kind::kEarliest;
  request.start = StartPosition::AtOffset(-1);
  EXPECT_THAT(broker_->Subscribe(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.start = StartPosition::Of(Kind::kCommitted);
  request.group = std::string(300, 'g');
  EXPECT_THAT(broker_->Subscribe(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.group = "g";
  request.topic = "missing";
  EXPECT_THAT(broker_->Subscribe(request), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(broker_->coordinator().HasMembers("g"));
  // An explicit offset outside an assigned partition ends the stream.
  request.topic = "t";
  request.start = StartPosition::AtOffset(5);
  absl::StatusOr<std::unique_ptr<Subscription>> member = broker_->Subscribe(request);
  ASSERT_OK(member);
  EXPECT_THAT((*member)->Next(), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_FALSE(broker_->coordinator().HasMembers("g"));
}

}  // namespace
}  // namespace eventlog::broker

// Consumer groups over gRPC on an in-process server: members split the
// partitions disjointly and completely, joins keep the split balanced and
// sticky, leavers' and evicted members' partitions move, records reach
// exactly their owner, stale commits bounce, a member after a restart
// resumes at the committed offset, groups are independent, DescribeGroup
// shows members and lag.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/service/server/group_member_stream.h"
#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::IsSubsetOf;
using ::testing::IsSupersetOf;

using Partitions = std::vector<int32_t>;

class GroupTest : public ServiceFixture {
 protected:
  std::unique_ptr<GroupMemberStream> Join(const std::string& group, const std::string& topic,
                                          v1::StartFrom reset_to = v1::START_FROM_EARLIEST) {
    v1::SubscribeRequest request;
    request.set_topic(topic);
    request.set_group(group);
    request.set_reset_to(reset_to);
    return std::make_unique<GroupMemberStream>(stub_.get(), request);
  }

  static Partitions Owned(const std::optional<v1::Assignment>& assignment) {
    if (!assignment.has_value()) return {};
    Partitions partitions(assignment->partitions().begin(), assignment->partitions().end());
    std::sort(partitions.begin(), partitions.end());
    return partitions;
  }

  // Waits until every member's latest assignment is of one generation and
  // together they own [0, partitions) once each; returns what each owns.
  std::vector<Partitions> Settle(const std::vector<GroupMemberStream*>& members,
                                 int32_t partitions) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    std::vector<Partitions> owned;
    while (absl::Now() < deadline) {
      owned.clear();
      std::set<int64_t> generations;
      std::multiset<int32_t> all;
      for (GroupMemberStream* member : members) {
        std::optional<v1::Assignment> assignment = member->assignment();
        generations.insert(assignment ? assignment->generation() : -1);
        owned.push_back(Owned(assignment));
        all.insert(owned.back().begin(), owned.back().end());
      }
      std::multiset<int32_t> expected;
      for (int32_t p = 0; p < partitions; ++p) expected.insert(p);
      if (generations.size() == 1 && *generations.begin() > 0 && all == expected) return owned;
      absl::SleepFor(absl::Milliseconds(5));
    }
    ADD_FAILURE() << "the group did not settle";
    return owned;
  }

  int64_t GenerationOf(GroupMemberStream& member) {
    std::optional<v1::Assignment> assignment = member.assignment();
    return assignment ? assignment->generation() : 0;
  }

  // Produces "<tag>-p<partition>" to every partition.
  void ProduceToEvery(const std::string& topic, int32_t partitions, const std::string& tag) {
    for (int32_t p = 0; p < partitions; ++p) {
      ProduceValues(topic, p, {absl::StrCat(tag, "-p", p)});
    }
  }

  // Every record tagged `tag` reached exactly the member owning its
  // partition (`owned[i]` for members[i]). Waits for each owner's own
  // record, not for a count: a member given a partition that moved reads it
  // again from the start (no commits), and those older records would make
  // a count come true before the new ones arrive.
  void ExpectDeliveredToOwners(const std::vector<GroupMemberStream*>& members,
                               const std::vector<Partitions>& owned, int32_t partitions,
                               const std::string& tag) {
    for (size_t i = 0; i < members.size(); ++i) {
      for (int32_t partition : owned[i]) {
        members[i]->WaitForValue(partition, absl::StrCat(tag, "-p", partition));
      }
    }
    std::map<int32_t, int> copies;
    for (size_t i = 0; i < members.size(); ++i) {
      for (const auto& [partition, values] : members[i]->values()) {
        for (const std::string& value : values) {
          if (value != absl::StrCat(tag, "-p", partition)) continue;
          ++copies[partition];
          EXPECT_THAT(owned[i], ::testing::Contains(partition))
              << tag << " of partition " << partition << " reached member " << i;
        }
      }
      EXPECT_EQ(members[i]->unannounced_batches(), 0) << "member " << i;
    }
    for (int32_t p = 0; p < partitions; ++p) EXPECT_EQ(copies[p], 1) << tag << " partition " << p;
  }

  grpc::Status Commit(const std::string& group, const std::string& topic, int32_t partition,
                      int64_t offset, int64_t generation) {
    v1::CommitOffsetRequest request;
    request.set_group(group);
    request.set_topic(topic);
    request.set_partition(partition);
    request.set_offset(offset);
    request.set_generation(generation);
    v1::CommitOffsetResponse response;
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    return stub_->CommitOffset(&context, request, &response);
  }

  grpc::Status DescribeGroup(const std::string& group, v1::DescribeGroupResponse* response) {
    v1::DescribeGroupRequest request;
    request.set_group(group);
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    return stub_->DescribeGroup(&context, request, response);
  }
};

TEST_F(GroupTest, MembersSplitBalancedAndStickyAsTheyJoinAndLeave) {
  constexpr int32_t kPartitions = 6;
  ASSERT_TRUE(CreateTopic("t", kPartitions).ok());
  auto a = Join("g", "t");
  EXPECT_THAT(Settle({a.get()}, kPartitions)[0], ElementsAre(0, 1, 2, 3, 4, 5));

  auto b = Join("g", "t");
  std::vector<Partitions> two = Settle({a.get(), b.get()}, kPartitions);
  EXPECT_EQ(two[0].size(), 3u);
  EXPECT_EQ(two[1].size(), 3u);
  ProduceToEvery("t", kPartitions, "two");
  ExpectDeliveredToOwners({a.get(), b.get()}, two, kPartitions, "two");

  auto c = Join("g", "t");
  std::vector<Partitions> three = Settle({a.get(), b.get(), c.get()}, kPartitions);
  for (const Partitions& owned : three) EXPECT_EQ(owned.size(), 2u);
  // Sticky: the old members only gave partitions away.
  EXPECT_THAT(three[0], IsSubsetOf(two[0]));
  EXPECT_THAT(three[1], IsSubsetOf(two[1]));
  ProduceToEvery("t", kPartitions, "three");
  ExpectDeliveredToOwners({a.get(), b.get(), c.get()}, three, kPartitions, "three");

  // c leaves (cancels): its partitions move, nothing else does.
  c->Cancel();
  EXPECT_THAT(c->WaitForEnd(), HasCode(grpc::StatusCode::CANCELLED));
  std::vector<Partitions> after = Settle({a.get(), b.get()}, kPartitions);
  EXPECT_THAT(after[0], IsSupersetOf(three[0]));
  EXPECT_THAT(after[1], IsSupersetOf(three[1]));
  EXPECT_EQ(after[0].size(), 3u);
  ProduceToEvery("t", kPartitions, "after");
  ExpectDeliveredToOwners({a.get(), b.get()}, after, kPartitions, "after");

  v1::DescribeGroupResponse described;
  ASSERT_TRUE(DescribeGroup("g", &described).ok());
  EXPECT_EQ(described.generation(), GenerationOf(*a));
  ASSERT_EQ(described.members_size(), 2);
  EXPECT_EQ(described.members(0).member_id(), a->assignment()->member_id());
  EXPECT_EQ(described.members(0).topic(), "t");
  EXPECT_THAT(described.members(0).partitions(), ::testing::UnorderedElementsAreArray(after[0]));
  EXPECT_THAT(described.members(1).partitions(), ::testing::UnorderedElementsAreArray(after[1]));
  EXPECT_EQ(described.lags_size(), kPartitions);  // no commits yet: lag of the member topic
}

TEST_F(GroupTest, IdleMembersTakeOverWhenAnOwnerLeaves) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  auto a = Join("g", "t");
  auto b = Join("g", "t");
  std::vector<Partitions> owned = Settle({a.get(), b.get()}, 1);
  GroupMemberStream* owner = owned[0].empty() ? b.get() : a.get();
  GroupMemberStream* idle = owned[0].empty() ? a.get() : b.get();
  ProduceValues("t", 0, {"first"});
  owner->WaitForRecords(1);
  EXPECT_EQ(idle->records(), 0u);
  ASSERT_TRUE(Commit("g", "t", 0, 1, GenerationOf(*owner)).ok());
  owner->Cancel();
  EXPECT_THAT(Settle({idle}, 1)[0], ElementsAre(0));
  ProduceValues("t", 0, {"second"});
  // The new owner starts at the committed offset: only "second".
  EXPECT_THAT(idle->WaitForRecords(1)[0], ElementsAre("second"));
}

TEST_F(GroupTest, CommitsWithAStaleGenerationAreRefused) {
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  ProduceValues("t", 0, {"a", "b"});
  auto a = Join("g", "t");
  Settle({a.get()}, 2);
  const int64_t first = GenerationOf(*a);
  auto b = Join("g", "t");
  Settle({a.get(), b.get()}, 2);
  const int64_t second = GenerationOf(*a);
  EXPECT_GT(second, first);
  EXPECT_THAT(Commit("g", "t", 0, 1, first),
              AllOf(HasCode(grpc::StatusCode::FAILED_PRECONDITION), MessageHas("generation")));
  EXPECT_TRUE(Commit("g", "t", 0, 1, second).ok());
  // Generation 0 (a standalone consumer) is refused while the group has
  // members.
  EXPECT_THAT(Commit("g", "t", 0, 2, 0),
              AllOf(HasCode(grpc::StatusCode::FAILED_PRECONDITION), MessageHas("live member")));
  EXPECT_THAT(Commit("g", "t", 0, 2, second + 1), HasCode(grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(GroupTest, ANewMemberAfterARestartResumesAtTheCommittedOffset) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  ProduceValues("t", 0, {"a", "b", "c"});
  {
    auto a = Join("g", "t");
    EXPECT_THAT(a->WaitForRecords(3)[0], ElementsAre("a", "b", "c"));
    ASSERT_TRUE(Commit("g", "t", 0, 2, GenerationOf(*a)).ok());
  }
  RestartServer();
  ProduceValues("t", 0, {"d"});
  v1::ListGroupsResponse groups;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListGroups(&context, v1::ListGroupsRequest(), &groups).ok());
  }
  EXPECT_THAT(groups.groups(), ElementsAre("g"));
  auto again = Join("g", "t", v1::START_FROM_LATEST);
  EXPECT_THAT(again->WaitForRecords(2)[0], ElementsAre("c", "d"));
}

TEST_F(GroupTest, TwoGroupsEachReceiveEverything) {
  constexpr int32_t kPartitions = 3;
  ASSERT_TRUE(CreateTopic("t", kPartitions).ok());
  auto x1 = Join("x", "t");
  auto x2 = Join("x", "t");
  auto y = Join("y", "t");
  std::vector<Partitions> x = Settle({x1.get(), x2.get()}, kPartitions);
  Settle({y.get()}, kPartitions);
  ProduceToEvery("t", kPartitions, "pubsub");
  ExpectDeliveredToOwners({x1.get(), x2.get()}, x, kPartitions, "pubsub");
  ExpectDeliveredToOwners({y.get()}, {{0, 1, 2}}, kPartitions, "pubsub");
}

TEST_F(GroupTest, DescribeGroupShowsMembersCommitsAndLag) {
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  ProduceValues("t", 0, {"a", "b", "c", "d", "e"});
  ProduceValues("t", 1, {"x", "y", "z"});
  auto member = Join("lagging", "t");
  Settle({member.get()}, 2);
  ASSERT_TRUE(Commit("lagging", "t", 0, 2, GenerationOf(*member)).ok());
  v1::DescribeGroupResponse described;
  ASSERT_TRUE(DescribeGroup("lagging", &described).ok());
  EXPECT_EQ(described.group(), "lagging");
  EXPECT_EQ(described.generation(), GenerationOf(*member));
  ASSERT_EQ(described.members_size(), 1);
  EXPECT_THAT(described.members(0).partitions(), ElementsAre(0, 1));
  EXPECT_THAT(described.members(0).member_id(), ::testing::HasSubstr("member-"));
  ASSERT_EQ(described.lags_size(), 2);
  EXPECT_EQ(described.lags(0).partition(), 0);
  EXPECT_EQ(described.lags(0).committed_offset(), 2);
  EXPECT_EQ(described.lags(0).high_watermark(), 5);
  EXPECT_EQ(described.lags(0).lag(), 3);
  EXPECT_EQ(described.lags(1).committed_offset(), -1);
  EXPECT_EQ(described.lags(1).lag(), 3);
  // Members alone make a group known.
  auto other = Join("no-commits", "t");
  Settle({other.get()}, 2);
  ASSERT_TRUE(DescribeGroup("no-commits", &described).ok());
  EXPECT_EQ(described.members_size(), 1);
}

TEST_F(GroupTest, DeletingTheTopicEndsMembersWithNotFound) {
  ASSERT_TRUE(CreateTopic("doomed", 1).ok());
  auto owner = Join("g", "doomed");
  auto idle = Join("g", "doomed");
  Settle({owner.get(), idle.get()}, 1);
  v1::DeleteTopicRequest request;
  request.set_name("doomed");
  v1::DeleteTopicResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->DeleteTopic(&context, request, &response).ok());
  EXPECT_THAT(owner->WaitForEnd(), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(idle->WaitForEnd(), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(GroupTest, AMemberThatStopsReadingIsEvictedAndItsPartitionsMove) {
  StopServer();
  options().broker.group_session_timeout_ms = 300;
  StartServer();
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  // A client that subscribes and never reads: once flow control stops the
  // server's write, the session timeout runs out.
  grpc::ClientContext stalled_context;
  stalled_context.set_deadline(SafetyDeadline());
  v1::SubscribeRequest request;
  request.set_topic("t");
  request.set_group("g");
  request.set_reset_to(v1::START_FROM_LATEST);
  auto stalled = stub_->Subscribe(&stalled_context, request);
  stalled->WaitForInitialMetadata();
  auto healthy = Join("g", "t", v1::START_FROM_LATEST);
  // Settled when healthy owns exactly one partition (the stalled one has
  // the other, its assignment unread).
  ASSERT_EQ(Owned(healthy->WaitForAssignment([](const v1::Assignment& assignment) {
              return assignment.partitions_size() == 1;
            })).size(),
            1u);
  const int32_t stalled_partition = Owned(healthy->assignment())[0] == 0 ? 1 : 0;

  // Fill the stalled member's stream until the server gives up on it.
  const std::string big(64 << 10, 'x');
  v1::ProduceRequest produce;
  produce.set_topic("t");
  produce.set_partition(stalled_partition);
  produce.set_acks(v1::ACKS_ALL);
  for (int i = 0; i < 15; ++i) *produce.add_records() = MakeRecord("", big);
  for (int mb = 0; mb < 512 && Owned(healthy->assignment()).size() < 2; ++mb) {
    v1::ProduceResponse produced;
    ASSERT_TRUE(Produce(produce, &produced).ok());
  }
  EXPECT_THAT(Settle({healthy.get()}, 2)[0], ElementsAre(0, 1));
  // The server cancelled the stalled call.
  v1::SubscribeResponse response;
  while (stalled->Read(&response)) {
  }
  EXPECT_THAT(stalled->Finish(), HasCode(grpc::StatusCode::CANCELLED));
  // Records produced after the takeover began reach healthy too; "moved"
  // comes last.
  ProduceValues("t", stalled_partition, {"moved"});
  std::vector<std::string> values =
      healthy->WaitForValue(stalled_partition, "moved")[stalled_partition];
  ASSERT_FALSE(values.empty());
  EXPECT_TRUE(values.back() == "moved");
}

TEST_F(GroupTest, GroupRequestsAreValidated) {
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  for (const auto& mutate : std::vector<std::function<void(v1::SubscribeRequest&)>>{
           [](v1::SubscribeRequest& r) { r.add_partitions(0); },
           [](v1::SubscribeRequest& r) { r.set_reset_to(v1::START_FROM_OFFSET); },
           [](v1::SubscribeRequest& r) { r.set_group(std::string(300, 'g')); },
           [](v1::SubscribeRequest& r) {
             r.set_start_from(v1::START_FROM_OFFSET);
             r.set_start_offset(-1);
           },
       }) {
    v1::SubscribeRequest request;
    request.set_topic("t");
    request.set_group("g");
    mutate(request);
    GroupMemberStream stream(stub_.get(), request);
    EXPECT_THAT(stream.WaitForEnd(), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  }
}

}  // namespace
}  // namespace eventlog::service::testing

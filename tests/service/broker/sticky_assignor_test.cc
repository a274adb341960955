// StickyAssignor: complete, disjoint, balanced, sticky, deterministic.
#include "service/broker/sticky_assignor.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace eventlog::broker {
namespace {

using Assignment = StickyAssignor::Assignment;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Every partition exactly once, counts within one of each other.
void ExpectCompleteAndBalanced(const Assignment& assignment, int32_t partitions) {
  std::multiset<int32_t> all;
  size_t least = SIZE_MAX, most = 0;
  for (const auto& [member, owned] : assignment) {
    all.insert(owned.begin(), owned.end());
    least = std::min(least, owned.size());
    most = std::max(most, owned.size());
    EXPECT_TRUE(std::is_sorted(owned.begin(), owned.end())) << member;
  }
  std::multiset<int32_t> expected;
  for (int32_t p = 0; p < partitions; ++p) expected.insert(p);
  EXPECT_EQ(all, expected);
  if (!assignment.empty()) {
    EXPECT_LE(most - least, 1u);
  }
}

// Partitions that changed owner from `before` to `after` (unowned before
// counts as a move).
int Moves(const Assignment& before, const Assignment& after) {
  int moves = 0;
  for (const auto& [member, owned] : after) {
    auto it = before.find(member);
    for (int32_t p : owned) {
      if (it == before.end() ||
          std::find(it->second.begin(), it->second.end(), p) == it->second.end()) {
        ++moves;
      }
    }
  }
  return moves;
}

TEST(StickyAssignorTest, FirstMemberGetsEverything) {
  Assignment a = StickyAssignor::Assign(4, {"a"}, {});
  EXPECT_THAT(a.at("a"), ElementsAre(0, 1, 2, 3));
}

TEST(StickyAssignorTest, SecondMemberTakesHalfFromTheFirstOnly) {
  Assignment one = StickyAssignor::Assign(6, {"a"}, {});
  Assignment two = StickyAssignor::Assign(6, {"a", "b"}, one);
  ExpectCompleteAndBalanced(two, 6);
  EXPECT_EQ(two.at("a").size(), 3u);
  EXPECT_EQ(Moves(one, two), 3);  // only what b needs
}

TEST(StickyAssignorTest, ThirdMemberStaysBalancedAndSticky) {
  Assignment two = {{"a", {0, 1, 2, 3}}, {"b", {4, 5, 6}}};
  Assignment three = StickyAssignor::Assign(7, {"a", "b", "c"}, two);
  ExpectCompleteAndBalanced(three, 7);
  // c needs 2 (7 = 3 + 2 + 2): exactly two partitions move, a keeps 3.
  EXPECT_EQ(Moves(two, three), 2);
  EXPECT_EQ(three.at("a").size(), 3u);
  for (int32_t p : three.at("a")) EXPECT_LT(p, 4);
  for (int32_t p : three.at("b")) EXPECT_GE(p, 4);
}

TEST(StickyAssignorTest, OrphansOfALeaverAreSpreadAndNothingElseMoves) {
  Assignment three = {{"a", {0, 1}}, {"b", {2, 3}}, {"c", {4, 5}}};
  Assignment two = StickyAssignor::Assign(6, {"a", "c"}, three);
  ExpectCompleteAndBalanced(two, 6);
  EXPECT_EQ(Moves(three, two), 2);  // b's two partitions, nothing more
  EXPECT_THAT(two.at("a"), ::testing::IsSupersetOf({0, 1}));
  EXPECT_THAT(two.at("c"), ::testing::IsSupersetOf({4, 5}));
  EXPECT_FALSE(two.contains("b"));
}

TEST(StickyAssignorTest, MembersBeyondThePartitionCountIdleAndTakeOver) {
  Assignment first = StickyAssignor::Assign(2, {"a", "b", "c"}, {});
  ExpectCompleteAndBalanced(first, 2);
  EXPECT_THAT(first.at("c"), IsEmpty());
  // The owner of partition 0 leaves: the idle member takes it over.
  const std::string owner = first.at("a").empty() ? "b" : "a";
  const std::string other = owner == "a" ? "b" : "a";
  Assignment after = StickyAssignor::Assign(2, {other, "c"}, first);
  ExpectCompleteAndBalanced(after, 2);
  EXPECT_EQ(after.at(other), first.at(other));
  EXPECT_EQ(after.at("c").size(), 1u);
}

TEST(StickyAssignorTest, TheLargerSharesGoToThoseOwningMost) {
  // 5 partitions over 2: a owns 1, b owns 4. b keeps 3 (the larger share),
  // a gets one more: 1 move, not 2.
  Assignment before = {{"a", {0}}, {"b", {1, 2, 3, 4}}};
  Assignment after = StickyAssignor::Assign(5, {"a", "b"}, before);
  ExpectCompleteAndBalanced(after, 5);
  EXPECT_EQ(after.at("b").size(), 3u);
  EXPECT_EQ(Moves(before, after), 1);
}

TEST(StickyAssignorTest, IgnoresStaleClaims) {
  // Out-of-range and doubly claimed partitions, and a departed member.
  Assignment before = {{"a", {0, 9, -1}}, {"b", {0, 1}}, {"gone", {2}}};
  Assignment after = StickyAssignor::Assign(3, {"a", "b"}, before);
  ExpectCompleteAndBalanced(after, 3);
  EXPECT_THAT(after.at("a"), ::testing::Contains(0));
  EXPECT_THAT(after.at("b"), ::testing::Contains(1));
}

TEST(StickyAssignorTest, ManyRoundsStayBalancedAndMoveLittle) {
  Assignment current;
  std::vector<std::string> members;
  const int32_t partitions = 12;
  for (int round = 0; round < 8; ++round) {
    members.push_back(absl::StrCat("m", round));
    Assignment next = StickyAssignor::Assign(partitions, members, current);
    ExpectCompleteAndBalanced(next, partitions);
    // A joiner takes at most its fair share; everyone else only gives.
    EXPECT_LE(Moves(current, next), (partitions + static_cast<int>(members.size()) - 1) /
                                            static_cast<int>(members.size()) +
                                        (round == 0 ? partitions : 0));
    current = next;
  }
  EXPECT_EQ(StickyAssignor::Assign(partitions, members, current), current);
}

TEST(StickyAssignorTest, NoMembersOrPartitions) {
  EXPECT_TRUE(StickyAssignor::Assign(3, {}, {}).empty());
  Assignment none = StickyAssignor::Assign(0, {"a"}, {});
  EXPECT_THAT(none.at("a"), IsEmpty());
}

}  // namespace
}  // namespace eventlog::broker

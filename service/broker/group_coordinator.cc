#include "service/broker/group_coordinator.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace eventlog::broker {
namespace {

// a - b, both sorted.
std::vector<int32_t> Minus(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::vector<int32_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<int32_t> Intersect(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::vector<int32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

GroupCoordinator::GroupCoordinator(int64_t session_timeout_ms, storage::OffsetStore* epochs)
    : session_timeout_ms_(session_timeout_ms), epochs_(epochs) {
  if (session_timeout_ms_ > 0) reaper_ = std::thread([this] { ReapSessions(); });
}

GroupCoordinator::~GroupCoordinator() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (reaper_.joinable()) reaper_.join();
}

std::string GroupCoordinator::NewMemberId(absl::string_view client) {
  absl::MutexLock lock(&mu_);
  return absl::StrCat("member-", ++next_member_, client.empty() ? "" : "@", client);
}

GroupCoordinator::Group& GroupCoordinator::GroupLocked(absl::string_view name) {
  auto it = groups_.find(name);
  if (it != groups_.end()) return it->second;
  Group& group = groups_[name];
  if (epochs_ != nullptr) {
    absl::StatusOr<int64_t> epoch = epochs_->GroupEpoch(name);
    // Unreadable (the store is failing): the broker is stopping anyway.
    if (epoch.ok()) group.generation = *epoch;
  }
  return group;
}

void GroupCoordinator::Join(absl::string_view group_name, const std::string& member_id,
                            absl::string_view topic, uint64_t topic_id, int32_t partition_count,
                            GroupMember* member) {
  absl::MutexLock lock(&mu_);
  Group& group = GroupLocked(group_name);
  if (group.members.empty() && epochs_ != nullptr) {
    // The epoch may have moved while the group was served by Kafka's
    // protocol (ClassicGroupCoordinator): go on above it.
    absl::StatusOr<int64_t> epoch = epochs_->GroupEpoch(group_name);
    if (epoch.ok()) group.generation = std::max(group.generation, *epoch);
  }
  group.members[member_id] = Member{member, topic_id, std::string(topic), ++join_seq_, {}, 0};
  TopicMembers& members = group.topics[topic_id];
  members.name = std::string(topic);
  members.partition_count = partition_count;
  members.members.push_back(member_id);
  group.dirty = true;
  RebalanceLocked(group, group_name);
}

void GroupCoordinator::Leave(absl::string_view group_name, absl::string_view member_id) {
  absl::MutexLock lock(&mu_);
  auto group = groups_.find(group_name);
  if (group == groups_.end() || !group->second.members.contains(std::string(member_id))) return;
  RemoveLocked(group->second, std::string(member_id));
  RebalanceLocked(group->second, group_name);
}

void GroupCoordinator::RemoveLocked(Group& group, const std::string& member_id) {
  auto it = group.members.find(member_id);
  if (it == group.members.end()) return;
  // Gone streams deliver nothing more: their revoke counts as done.
  if (group.rebalancing && it->second.revoke_round == group.round) --group.pending_revokes;
  auto topic = group.topics.find(it->second.topic_id);
  if (topic != group.topics.end()) {
    std::vector<std::string>& ids = topic->second.members;
    ids.erase(std::remove(ids.begin(), ids.end(), member_id), ids.end());
    if (ids.empty()) group.topics.erase(topic);
  }
  group.members.erase(it);
  group.dirty = true;
}

void GroupCoordinator::RevokeDone(absl::string_view group_name, absl::string_view member_id,
                                  uint64_t round) {
  absl::MutexLock lock(&mu_);
  auto group = groups_.find(group_name);
  if (group == groups_.end()) return;
  Group& g = group->second;
  auto member = g.members.find(std::string(member_id));
  if (member == g.members.end() || !g.rebalancing || g.round != round ||
      member->second.revoke_round != round) {
    return;
  }
  member->second.revoke_round = 0;
  if (--g.pending_revokes == 0) {
    FinishRoundLocked(g, group_name);
    RebalanceLocked(g, group_name);
  }
}

void GroupCoordinator::RebalanceLocked(Group& group, absl::string_view name) {
  if (group.rebalancing) {
    // Leaves may have been the last revokes outstanding.
    if (group.pending_revokes > 0) return;
    FinishRoundLocked(group, name);
  }
  while (!group.rebalancing && group.dirty) {
    StartRoundLocked(group);
    if (group.pending_revokes == 0) FinishRoundLocked(group, name);
  }
}

void GroupCoordinator::StartRoundLocked(Group& group) {
  group.dirty = false;
  group.rebalancing = true;
  ++group.round;
  group.pending_revokes = 0;
  group.target.clear();
  for (const auto& [topic_id, topic] : group.topics) {
    StickyAssignor::Assignment current;
    for (const std::string& id : topic.members) current[id] = group.members.at(id).owned;
    StickyAssignor::Assignment target =
        StickyAssignor::Assign(topic.partition_count, topic.members, current);
    group.target.merge(target);
  }
  for (auto& [id, member] : group.members) {
    const std::vector<int32_t>& target = group.target[id];
    std::vector<int32_t> revoked = Minus(member.owned, target);
    if (revoked.empty()) continue;
    // Unowned from now on: nobody else gets them before the member confirms.
    member.owned = Intersect(member.owned, target);
    member.revoke_round = group.round;
    ++group.pending_revokes;
    member.handle->Revoke(group.round, std::move(revoked));
  }
}

void GroupCoordinator::FinishRoundLocked(Group& group, absl::string_view name) {
  group.rebalancing = false;
  // Joins or leaves during the round: the next round starts from what the
  // members own now, and only its result is announced.
  if (group.dirty) return;
  ++group.generation;
  // Durable before anyone hears of it, so it is never handed out twice. (A
  // failure here latches the store, and the broker stops.)
  if (epochs_ != nullptr) (void)epochs_->SaveGroupEpoch(name, group.generation);
  for (auto& [id, member] : group.members) {
    member.owned = group.target[id];
    member.handle->Assign(group.generation, member.owned);
  }
  group.target.clear();
}

absl::Status GroupCoordinator::CommitIfAllowed(const CommitClaim& claim,
                                               absl::FunctionRef<absl::Status()> write) {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(claim.group);
  const Group* group = it == groups_.end() ? nullptr : &it->second;
  const bool live = group != nullptr && !group->members.empty();
  auto where = [&] {
    return absl::StrCat("commit for group \"", claim.group, "\" topic \"", claim.topic,
                        "\" partition", claim.partitions.size() == 1 ? " " : "s ",
                        absl::StrJoin(claim.partitions, ","));
  };
  if (claim.generation == 0) {
    if (live) {
      return absl::FailedPreconditionError(absl::StrCat(
          where(), " carries generation 0 (a standalone consumer) but the group has ",
          group->members.size(),
          " live member(s): commit with the generation and member id of your assignment, or "
          "use another group name for standalone consumption"));
    }
  } else {
    const int64_t current = group == nullptr ? 0 : group->generation;
    if (claim.generation != current || !live) {
      return absl::FailedPreconditionError(absl::StrCat(
          where(), " carries generation ", claim.generation,
          " but the group's current generation is ", current,
          "; a rebalance happened: commit with the generation of the latest assignment your "
          "subscription received"));
    }
    if (!claim.member_id.empty()) {
      auto member = group->members.find(std::string(claim.member_id));
      if (member == group->members.end()) {
        return absl::FailedPreconditionError(absl::StrCat(where(), ": member ", claim.member_id,
                                                          " is not a live member of the group"));
      }
      const std::vector<int32_t>& owned = member->second.owned;
      for (int32_t partition : claim.partitions) {
        if (member->second.topic_id != claim.topic_id ||
            !std::binary_search(owned.begin(), owned.end(), partition)) {
          return absl::FailedPreconditionError(
              absl::StrCat(where(), ": member ", claim.member_id, " does not own partition ",
                           partition, " in generation ", claim.generation));
        }
      }
    }
  }
  return write();
}

int64_t GroupCoordinator::Generation(absl::string_view group) const {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? 0 : it->second.generation;
}

std::vector<GroupMemberInfo> GroupCoordinator::Members(absl::string_view group) const {
  absl::MutexLock lock(&mu_);
  std::vector<GroupMemberInfo> members;
  auto it = groups_.find(group);
  if (it == groups_.end()) return members;
  std::vector<const std::pair<const std::string, Member>*> ordered;
  for (const auto& entry : it->second.members) ordered.push_back(&entry);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto* a, const auto* b) { return a->second.seq < b->second.seq; });
  for (const auto* entry : ordered) {
    members.push_back(GroupMemberInfo{entry->first, entry->second.topic, entry->second.owned});
  }
  return members;
}

bool GroupCoordinator::HasMembers(absl::string_view group) const {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(group);
  return it != groups_.end() && !it->second.members.empty();
}

std::vector<std::string> GroupCoordinator::GroupsWithMembers() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> groups;
  for (const auto& [name, group] : groups_) {
    if (!group.members.empty()) groups.push_back(name);
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

void GroupCoordinator::ReapSessions() {
  const absl::Duration interval = std::clamp(absl::Milliseconds(session_timeout_ms_) / 4,
                                             absl::Milliseconds(5), absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval)) CheckSessionsLocked();
}

void GroupCoordinator::CheckSessionsLocked() {
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  for (auto& [name, group] : groups_) {
    std::vector<std::string> expired;
    for (const auto& [id, member] : group.members) {
      const int64_t busy_since = member.handle->busy_since_ms();
      if (busy_since > 0 && now_ms - busy_since > session_timeout_ms_) expired.push_back(id);
    }
    if (expired.empty()) continue;
    for (const std::string& id : expired) {
      GroupMember* handle = group.members.at(id).handle;
      RemoveLocked(group, id);
      handle->Evict(absl::AbortedError(
          absl::StrCat("member ", id, " of group \"", name,
                       "\" was removed: its stream had a message pending "
                       "for more than the session timeout (",
                       session_timeout_ms_,
                       " ms), so the client stopped consuming; subscribe again to rejoin")));
    }
    RebalanceLocked(group, name);
  }
}

}  // namespace eventlog::broker

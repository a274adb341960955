#include "service/broker/classic_group.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "storage/util/error_reason.h"

namespace eventlog::broker {
namespace {

using util::ErrorReason;
using util::WithReason;

bool Supports(const ClassicJoinRequest& join, const std::string& protocol) {
  return std::any_of(join.protocols.begin(), join.protocols.end(),
                     [&](const auto& p) { return p.first == protocol; });
}

}  // namespace

ClassicGroup::ClassicGroup(std::string name, int64_t generation,
                           int64_t initial_rebalance_delay_ms, PersistGeneration persist_generation)
    : name_(std::move(name)),
      initial_rebalance_delay_ms_(initial_rebalance_delay_ms),
      persist_generation_(std::move(persist_generation)),
      generation_(generation) {}

const char* ClassicGroup::StateName(State state) {
  switch (state) {
    case State::kEmpty:
      return "Empty";
    case State::kPreparingRebalance:
      return "PreparingRebalance";
    case State::kCompletingRebalance:
      return "CompletingRebalance";
    case State::kStable:
      return "Stable";
  }
  return "Dead";
}

std::vector<std::string> ClassicGroup::CommonProtocols(const ClassicJoinRequest* extra) const {
  const Member* oldest = nullptr;
  for (const auto& [id, member] : members_) {
    if (oldest == nullptr || member.seq < oldest->seq) oldest = &member;
  }
  const ClassicJoinRequest* first = oldest != nullptr ? &oldest->join : extra;
  std::vector<std::string> common;
  if (first == nullptr) return common;
  for (const auto& [name, metadata] : first->protocols) {
    bool everyone = extra == nullptr || Supports(*extra, name);
    for (const auto& [id, member] : members_) everyone = everyone && Supports(member.join, name);
    if (everyone) common.push_back(name);
  }
  return common;
}

std::string ClassicGroup::ChooseProtocol() const {
  const std::vector<std::string> candidates = CommonProtocols(nullptr);
  absl::flat_hash_map<std::string, int> votes;
  for (const auto& [id, member] : members_) {
    for (const auto& [name, metadata] : member.join.protocols) {
      if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) {
        ++votes[name];
        break;
      }
    }
  }
  std::string best;
  int best_votes = -1;
  for (const std::string& name : candidates) {  // ties: the oldest member's preference
    if (votes[name] > best_votes) {
      best = name;
      best_votes = votes[name];
    }
  }
  return best;
}

void ClassicGroup::NewGeneration() {
  ++generation_;
  persist_generation_(name_, generation_);
}

void ClassicGroup::Join(ClassicJoinRequest request, bool known, ClassicJoinCallback done,
                        int64_t now_ms, Completions* out) {
  auto fail = [&](absl::Status error) {
    out->push_back([done = std::move(done), error]() mutable { done(error); });
  };
  if (known && !members_.contains(request.member_id)) {
    return fail(WithReason(absl::NotFoundError(absl::StrCat("member ", request.member_id,
                                                            " is not in group \"", name_,
                                                            "\"; rejoin without a member id")),
                           ErrorReason::kUnknownMember));
  }
  const bool alone = members_.empty() || (members_.size() == 1 && known);
  if (!alone && (request.protocol_type != protocol_type_ || CommonProtocols(&request).empty())) {
    return fail(WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "group \"", name_, "\" runs protocol type \"", protocol_type_,
            "\" with assignors its members share; this member's (type \"", request.protocol_type,
            "\") has none of them")),
        ErrorReason::kInconsistentGroupProtocol));
  }
  if (alone) protocol_type_ = request.protocol_type;
  Member& member = members_[request.member_id];
  if (!known) member.seq = next_seq_++;
  if (member.pending_join) {
    // A second JoinGroup while one waits: the first is superseded.
    out->push_back([old = std::move(member.pending_join), name = name_]() mutable {
      old(WithReason(absl::FailedPreconditionError(absl::StrCat(
                         "a newer JoinGroup of the same member to group \"", name, "\" replaced it")),
                     ErrorReason::kRebalanceInProgress));
    });
  }
  const bool is_new = !known;
  member.join = std::move(request);
  member.last_seen_ms = now_ms;
  member.pending_join = std::move(done);
  if (state_ != State::kPreparingRebalance) {
    PrepareRebalance(now_ms, out);
  } else if (initial_delay_ && is_new) {
    int64_t longest = 0;
    for (const auto& [id, m] : members_) {
      longest = std::max<int64_t>(longest, m.join.rebalance_timeout_ms);
    }
    rebalance_deadline_ms_ =
        std::min(now_ms + initial_rebalance_delay_ms_, rebalance_started_ms_ + longest);
  }
  MaybeCompleteJoin(now_ms, /*force=*/false, out);
}

void ClassicGroup::PrepareRebalance(int64_t now_ms, Completions* out) {
  initial_delay_ = state_ == State::kEmpty && initial_rebalance_delay_ms_ > 0;
  state_ = State::kPreparingRebalance;
  rebalance_started_ms_ = now_ms;
  int64_t longest = 0;
  for (auto& [id, member] : members_) {
    longest = std::max<int64_t>(longest, member.join.rebalance_timeout_ms);
    if (member.pending_sync) {
      out->push_back([cb = std::move(member.pending_sync), name = name_]() mutable {
        cb(WithReason(absl::FailedPreconditionError(
                          absl::StrCat("group \"", name, "\" is rebalancing; rejoin")),
                      ErrorReason::kRebalanceInProgress));
      });
      member.pending_sync = nullptr;
    }
  }
  rebalance_deadline_ms_ =
      now_ms + (initial_delay_ ? std::min(initial_rebalance_delay_ms_, longest) : longest);
}

void ClassicGroup::MaybeCompleteJoin(int64_t now_ms, bool force, Completions* out) {
  if (state_ != State::kPreparingRebalance) return;
  if (!force) {
    if (initial_delay_) return;  // the deadline ends the initial delay
    for (const auto& [id, member] : members_) {
      if (!member.pending_join) return;
    }
  }
  std::vector<std::string> gone;
  for (const auto& [id, member] : members_) {
    if (!member.pending_join) gone.push_back(id);
  }
  for (const std::string& id : gone) Remove(id, out);
  initial_delay_ = false;
  NewGeneration();
  if (members_.empty()) {
    state_ = State::kEmpty;
    protocol_name_.clear();
    leader_.clear();
    return;
  }
  protocol_name_ = ChooseProtocol();
  if (!members_.contains(leader_)) {
    const Member* oldest = nullptr;
    for (const auto& [id, member] : members_) {
      if (oldest == nullptr || member.seq < oldest->seq) {
        oldest = &member;
        leader_ = id;
      }
    }
  }
  state_ = State::kCompletingRebalance;
  std::vector<const std::pair<const std::string, Member>*> ordered;
  for (const auto& entry : members_) ordered.push_back(&entry);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto* a, const auto* b) { return a->second.seq < b->second.seq; });
  std::vector<ClassicMemberMetadata> listed;
  for (const auto* entry : ordered) {
    ClassicMemberMetadata& m = listed.emplace_back();
    m.member_id = entry->first;
    m.group_instance_id = entry->second.join.group_instance_id;
    for (const auto& [name, metadata] : entry->second.join.protocols) {
      if (name == protocol_name_) m.metadata = metadata;
    }
  }
  for (auto& [id, member] : members_) {
    ClassicJoinResult result;
    result.generation = generation_;
    result.protocol_name = protocol_name_;
    result.leader = leader_;
    result.member_id = id;
    if (id == leader_) result.members = listed;
    member.assignment.clear();
    member.partitions.clear();
    member.last_seen_ms = now_ms;
    out->push_back([cb = std::move(member.pending_join), result = std::move(result)]() mutable {
      cb(std::move(result));
    });
    member.pending_join = nullptr;
  }
}

void ClassicGroup::Remove(const std::string& member_id, Completions* out) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  auto gone = [name = name_, member_id] {
    return WithReason(absl::NotFoundError(absl::StrCat("member ", member_id,
                                                       " was removed from group \"", name, "\"")),
                      ErrorReason::kUnknownMember);
  };
  if (it->second.pending_join) {
    out->push_back([cb = std::move(it->second.pending_join), gone]() mutable { cb(gone()); });
  }
  if (it->second.pending_sync) {
    out->push_back([cb = std::move(it->second.pending_sync), gone]() mutable { cb(gone()); });
  }
  members_.erase(it);
}

void ClassicGroup::Sync(ClassicSyncRequest request, ClassicSyncCallback done, int64_t now_ms,
                        Completions* out) {
  auto answer = [&](absl::StatusOr<std::string> result) {
    out->push_back([done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  };
  auto it = members_.find(request.member_id);
  if (it == members_.end()) {
    return answer(WithReason(absl::NotFoundError(absl::StrCat("member ", request.member_id,
                                                              " is not in group \"", name_, "\"")),
                             ErrorReason::kUnknownMember));
  }
  Member& member = it->second;
  if (request.generation != generation_) {
    return answer(WithReason(
        absl::FailedPreconditionError(absl::StrCat("generation ", request.generation,
                                                   " of group \"", name_, "\" is over; it is at ",
                                                   generation_)),
        ErrorReason::kIllegalGeneration));
  }
  member.last_seen_ms = now_ms;
  if (state_ == State::kStable) return answer(member.assignment);
  if (state_ != State::kCompletingRebalance) {
    return answer(WithReason(
        absl::FailedPreconditionError(absl::StrCat("group \"", name_, "\" is rebalancing; rejoin")),
        ErrorReason::kRebalanceInProgress));
  }
  if (member.pending_sync) {
    out->push_back([old = std::move(member.pending_sync)]() mutable {
      old(WithReason(absl::FailedPreconditionError("a newer SyncGroup replaced this one"),
                     ErrorReason::kRebalanceInProgress));
    });
  }
  member.pending_sync = std::move(done);
  if (request.member_id != leader_) return;
  for (ClassicAssignment& assignment : request.assignments) {
    auto target = members_.find(assignment.member_id);
    if (target == members_.end()) continue;
    target->second.assignment = std::move(assignment.assignment);
    target->second.partitions = std::move(assignment.partitions);
  }
  state_ = State::kStable;
  for (auto& [id, m] : members_) {
    if (!m.pending_sync) continue;
    out->push_back([cb = std::move(m.pending_sync), bytes = m.assignment]() mutable { cb(bytes); });
    m.pending_sync = nullptr;
  }
}

absl::Status ClassicGroup::Heartbeat(const std::string& member_id, int64_t generation,
                                     int64_t now_ms) {
  auto it = members_.find(member_id);
  if (it == members_.end()) {
    return WithReason(absl::NotFoundError(absl::StrCat("member ", member_id, " is not in group \"",
                                                       name_, "\"; rejoin")),
                      ErrorReason::kUnknownMember);
  }
  if (generation != generation_) {
    return WithReason(absl::FailedPreconditionError(
                          absl::StrCat("generation ", generation, " of group \"", name_,
                                       "\" is over; it is at ", generation_)),
                      ErrorReason::kIllegalGeneration);
  }
  it->second.last_seen_ms = now_ms;
  if (state_ == State::kPreparingRebalance) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat("group \"", name_, "\" is rebalancing; rejoin")),
        ErrorReason::kRebalanceInProgress);
  }
  return absl::OkStatus();
}

absl::Status ClassicGroup::Leave(const std::string& member_id, int64_t now_ms, Completions* out) {
  if (!members_.contains(member_id)) {
    return WithReason(absl::NotFoundError(absl::StrCat("member ", member_id, " is not in group \"",
                                                       name_, "\"")),
                      ErrorReason::kUnknownMember);
  }
  Remove(member_id, out);
  if (members_.empty()) {
    state_ = State::kEmpty;
    initial_delay_ = false;
    protocol_name_.clear();
    leader_.clear();
    NewGeneration();
  } else if (state_ == State::kPreparingRebalance) {
    MaybeCompleteJoin(now_ms, /*force=*/false, out);
  } else {
    PrepareRebalance(now_ms, out);
  }
  return absl::OkStatus();
}

absl::Status ClassicGroup::CheckCommit(int64_t generation, const std::string& member_id,
                                       int64_t now_ms) {
  if (members_.empty() && generation == 0) return absl::OkStatus();
  auto it = members_.find(member_id);
  if (it == members_.end()) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "commit for group \"", name_, "\" from ",
            member_id.empty() ? std::string("a consumer outside the group")
                              : absl::StrCat("member ", member_id),
            ", but the group has ", members_.size(),
            " other live member(s): commit as a member, with its generation and member id")),
        ErrorReason::kUnknownMember);
  }
  if (generation != generation_) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "commit for group \"", name_, "\" carries generation ", generation,
                          " but the group's current generation is ", generation_)),
                      ErrorReason::kIllegalGeneration);
  }
  if (state_ == State::kCompletingRebalance) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "group \"", name_, "\" is completing a rebalance; commit after it")),
                      ErrorReason::kRebalanceInProgress);
  }
  it->second.last_seen_ms = now_ms;
  return absl::OkStatus();
}

void ClassicGroup::Tick(int64_t now_ms, Completions* out) {
  if (state_ == State::kPreparingRebalance && now_ms >= rebalance_deadline_ms_) {
    MaybeCompleteJoin(now_ms, /*force=*/true, out);
  }
  std::vector<std::string> expired;
  for (const auto& [id, member] : members_) {
    if (!member.pending_join && !member.pending_sync &&
        now_ms - member.last_seen_ms > member.join.session_timeout_ms) {
      expired.push_back(id);
    }
  }
  if (expired.empty()) return;
  for (const std::string& id : expired) Remove(id, out);
  if (members_.empty()) {
    state_ = State::kEmpty;
    initial_delay_ = false;
    protocol_name_.clear();
    leader_.clear();
    NewGeneration();
  } else if (state_ == State::kPreparingRebalance) {
    MaybeCompleteJoin(now_ms, /*force=*/false, out);
  } else {
    PrepareRebalance(now_ms, out);
  }
}

void ClassicGroup::FailPending(const absl::Status& error, Completions* out) {
  for (auto& [id, member] : members_) {
    if (member.pending_join) {
      out->push_back([cb = std::move(member.pending_join), error]() mutable { cb(error); });
      member.pending_join = nullptr;
    }
    if (member.pending_sync) {
      out->push_back([cb = std::move(member.pending_sync), error]() mutable { cb(error); });
      member.pending_sync = nullptr;
    }
  }
}

ClassicGroupInfo ClassicGroup::Describe() const {
  ClassicGroupInfo info;
  info.group = name_;
  info.state = StateName(state_);
  info.protocol_type = protocol_type_;
  info.protocol_name = protocol_name_;
  info.generation = generation_;
  std::vector<const std::pair<const std::string, Member>*> ordered;
  for (const auto& entry : members_) ordered.push_back(&entry);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto* a, const auto* b) { return a->second.seq < b->second.seq; });
  for (const auto* entry : ordered) {
    const Member& member = entry->second;
    ClassicMemberInfo& m = info.members.emplace_back();
    m.member_id = entry->first;
    m.group_instance_id = member.join.group_instance_id;
    m.client_id = member.join.client_id;
    m.client_host = member.join.client_host;
    for (const auto& [name, metadata] : member.join.protocols) {
      if (name == protocol_name_) m.metadata = metadata;
    }
    m.assignment = member.assignment;
    m.topics = member.join.topics;
    m.partitions = member.partitions;
  }
  return info;
}

}  // namespace eventlog::broker

// GroupCoordinator: consumer-group membership, partition assignment and
// generations, transport-free.
//
// A member is one Subscribe stream naming a group; it joins for one topic.
// Assignment is per (group, topic): the partitions of a topic are split among
// the group's members on that topic (StickyAssignor: balanced, sticky). The
// generation is per group: every rebalance of any of its topics makes a new
// one, announced to every member of the group.
//
// A rebalance revokes first and assigns after: members losing partitions are
// told to stop (GroupMember::Revoke) and the partitions stay unowned until
// each of them reports that no write carrying them is in flight
// (RevokeDone), leaves, or is evicted; only then is the new generation
// announced to every member (GroupMember::Assign), and the new owners start.
// Members joining or leaving meanwhile make another round start right after,
// without announcing the intermediate one.
//
// Sessions: a member whose current write has been in flight longer than the
// session timeout has stopped consuming (or its connection is dead, which
// gRPC keepalive also detects); a background thread evicts it.
//
// Generations never repeat for a group: each new one is persisted (the
// group's epoch, synced) before it is announced, and a group seen for the
// first time after a restart continues from its persisted epoch. So a member
// from before a restart cannot commit with a generation that became valid
// again.
//
// Commits (CommitIfAllowed) are checked and applied under the coordinator's
// lock, so no rebalance can slip between the check and the write.
//
// Thread-safe. Lock order: this class's lock is taken before any lock of a
// member (members are called with it held and must not call back).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/group_member.h"
#include "service/broker/offset_types.h"
#include "service/broker/sticky_assignor.h"
#include "storage/offset_store.h"

namespace eventlog::broker {

class GroupCoordinator {
 public:
  // Members whose write is stuck for longer than `session_timeout_ms` are
  // evicted (0 disables the check). Group epochs are kept in `epochs` (not
  // owned; must outlive this object; null: not persisted, for tests).
  GroupCoordinator(int64_t session_timeout_ms, storage::OffsetStore* epochs);
  ~GroupCoordinator();

  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // A new, unique member id; `client` (e.g. the peer address) is part of it.
  std::string NewMemberId(absl::string_view client);

  // Adds `member` (with an id from NewMemberId) to `group` for topic `topic`
  // (`topic_id` tells a topic from a deleted one of the same name) with
  // `partition_count` partitions, and starts a rebalance. The coordinator may
  // call `member` before Join returns; `member` must stay valid until Leave()
  // returns or it was evicted.
  void Join(absl::string_view group, const std::string& member_id, absl::string_view topic,
            uint64_t topic_id, int32_t partition_count, GroupMember* member);

  // Removes a member (its stream ended) and rebalances. No-op if unknown
  // (e.g. already evicted). After it returns the member is never called.
  void Leave(absl::string_view group, absl::string_view member_id);

  // The member stopped delivering what it was told to revoke in `round`.
  void RevokeDone(absl::string_view group, absl::string_view member_id, uint64_t round);

  // What a commit claims about its author.
  struct CommitClaim {
    absl::string_view group;
    absl::string_view topic;
    uint64_t topic_id = 0;
    absl::Span<const int32_t> partitions;
    int64_t generation = 0;       // 0: a standalone consumer
    absl::string_view member_id;  // empty: not checked
  };

  // Runs `write` (which applies the commit) if the claim holds, under the
  // coordinator's lock; FAILED_PRECONDITION naming the reason otherwise:
  // generation 0 while the group has live members; a generation other than
  // the group's current one; a member id that is not a live member owning
  // every partition in that generation. `write` must be quick (no fsync).
  absl::Status CommitIfAllowed(const CommitClaim& claim, absl::FunctionRef<absl::Status()> write);

  // The group's current generation (0: no rebalance in this process yet).
  int64_t Generation(absl::string_view group) const;

  // The group's live members with their current assignments, oldest first.
  std::vector<GroupMemberInfo> Members(absl::string_view group) const;

  // True if the group has live members.
  bool HasMembers(absl::string_view group) const;

  // Groups with live members, sorted.
  std::vector<std::string> GroupsWithMembers() const;

 private:
  struct Member {
    GroupMember* handle = nullptr;
    uint64_t topic_id = 0;
    std::string topic;
    uint64_t seq = 0;            // join order
    std::vector<int32_t> owned;  // sorted; what it may deliver now
    uint64_t revoke_round = 0;   // a revoke of this round is outstanding
  };
  struct TopicMembers {
    std::string name;
    int32_t partition_count = 0;
    std::vector<std::string> members;  // join order
  };
  struct Group {
    int64_t generation = 0;  // the persisted epoch until the first rebalance here
    std::map<std::string, Member> members;
    std::map<uint64_t, TopicMembers> topics;
    uint64_t round = 0;        // the current or last rebalance round
    bool rebalancing = false;  // revokes of `round` are outstanding
    bool dirty = false;        // membership changed since `round` started
    int pending_revokes = 0;
    StickyAssignor::Assignment target;  // of `round`
  };

  // The group, loading its epoch the first time it is seen.
  Group& GroupLocked(absl::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(Group& group, const std::string& member_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts rounds while the membership keeps changing and none is running.
  void RebalanceLocked(Group& group, absl::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartRoundLocked(Group& group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishRoundLocked(Group& group, absl::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReapSessions();
  void CheckSessionsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t session_timeout_ms_;
  storage::OffsetStore* const epochs_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Group> groups_ ABSL_GUARDED_BY(mu_);
  uint64_t next_member_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t join_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reaper_;
};

}  // namespace eventlog::broker

// ClassicGroup: one consumer group under Kafka's classic group protocol
// (KIP-62 era: JoinGroup, SyncGroup, Heartbeat, LeaveGroup; the client
// leader assigns). States and transitions are Kafka's:
//
//   Empty --join--> PreparingRebalance --all joined or timeout-->
//   CompletingRebalance --leader's SyncGroup--> Stable --join/leave/expiry-->
//   PreparingRebalance ... ; the last member leaving makes it Empty.
//
// - PreparingRebalance waits until every member has (re)joined, or until
//   the longest rebalance timeout of its members; members that did not
//   rejoin are removed. A group that was Empty first waits
//   `initial_rebalance_delay_ms` (and again for each member joining in
//   that time, up to the rebalance timeout), so that members starting
//   together form one generation.
// - Completing the join makes a new generation (persisted through
//   `persist_generation` before anyone hears of it), picks the protocol
//   every member supports with the most first-choice votes, keeps the
//   leader if it rejoined (else the oldest member), and answers every
//   JoinGroup; the leader's answer lists the members and their metadata.
// - SyncGroup parks until the leader's arrives with the assignments, which
//   then answer every member.
// - A member not heard from (JoinGroup, SyncGroup, Heartbeat, OffsetCommit)
//   for its session timeout, and not waiting for a JoinGroup or SyncGroup
//   answer, is removed (Expire).
//
// Errors are FAILED_PRECONDITION (NOT_FOUND for an unknown member) with a
// util::ErrorReason: kUnknownMember, kIllegalGeneration,
// kRebalanceInProgress, kInconsistentGroupProtocol.
//
// Not thread-safe: ClassicGroupCoordinator guards it. Callbacks are never
// run here: every answer is appended to `*out` for the caller to run
// without locks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "service/broker/classic_group_types.h"

namespace eventlog::broker {

class ClassicGroup {
 public:
  using Completions = std::vector<absl::AnyInvocable<void()>>;
  // Makes a new generation durable; called before it is announced.
  using PersistGeneration = std::function<void(const std::string& group, int64_t generation)>;

  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };

  // `generation`: the group's persisted epoch; the next one is above it.
  ClassicGroup(std::string name, int64_t generation, int64_t initial_rebalance_delay_ms,
               PersistGeneration persist_generation);

  // `request.member_id` is set (a new member's id was chosen by the
  // caller). `known` says whether it names a member already in the group.
  void Join(ClassicJoinRequest request, bool known, ClassicJoinCallback done, int64_t now_ms,
            Completions* out);
  void Sync(ClassicSyncRequest request, ClassicSyncCallback done, int64_t now_ms,
            Completions* out);
  absl::Status Heartbeat(const std::string& member_id, int64_t generation, int64_t now_ms);
  // Removes the member; NOT_FOUND (kUnknownMember) if it is not one.
  absl::Status Leave(const std::string& member_id, int64_t now_ms, Completions* out);
  // Whether a commit with this generation and member id may be written
  // now (and notes the member as alive). Generation 0: a consumer outside
  // the group, allowed only while it has no members.
  absl::Status CheckCommit(int64_t generation, const std::string& member_id, int64_t now_ms);

  // Rebalance deadlines and session expiry, at `now_ms`.
  void Tick(int64_t now_ms, Completions* out);

  // Answers every parked JoinGroup and SyncGroup with `error` (shutdown).
  void FailPending(const absl::Status& error, Completions* out);

  // A generation used elsewhere (the persisted epoch moved while the
  // group was empty here): the next one is above it.
  void RaiseGeneration(int64_t generation) { generation_ = std::max(generation_, generation); }

  bool HasMember(const std::string& member_id) const { return members_.contains(member_id); }
  bool empty() const { return members_.empty(); }
  State state() const { return state_; }
  int64_t generation() const { return generation_; }
  ClassicGroupInfo Describe() const;

  static const char* StateName(State state);

 private:
  struct Member {
    ClassicJoinRequest join;  // the latest JoinGroup (protocols, timeouts, topics)
    uint64_t seq = 0;         // join order
    int64_t last_seen_ms = 0;
    std::string assignment;
    std::vector<TopicPartitions> partitions;
    ClassicJoinCallback pending_join;
    ClassicSyncCallback pending_sync;
  };

  // Protocols every member (and `extra`, if given) supports.
  std::vector<std::string> CommonProtocols(const ClassicJoinRequest* extra) const;
  void PrepareRebalance(int64_t now_ms, Completions* out);
  // Completes the join phase if every member rejoined (or `force`).
  void MaybeCompleteJoin(int64_t now_ms, bool force, Completions* out);
  void Remove(const std::string& member_id, Completions* out);
  void NewGeneration();
  std::string ChooseProtocol() const;

  const std::string name_;
  const int64_t initial_rebalance_delay_ms_;
  const PersistGeneration persist_generation_;
  State state_ = State::kEmpty;
  int64_t generation_;
  std::string protocol_type_;
  std::string protocol_name_;
  std::string leader_;
  std::map<std::string, Member> members_;
  uint64_t next_seq_ = 0;
  // PreparingRebalance: when the join phase ends at the latest, and whether
  // it is the initial delay of a group that was Empty.
  int64_t rebalance_deadline_ms_ = 0;
  int64_t rebalance_started_ms_ = 0;
  bool initial_delay_ = false;
};

}  // namespace eventlog::broker

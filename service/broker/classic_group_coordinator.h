// ClassicGroupCoordinator: the consumer groups of Kafka clients, under
// Kafka's classic group protocol (ClassicGroup: JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, with the assignment made by the client leader).
//
// Groups share their name space, committed offsets and generation numbers
// with the eventlog groups of GroupCoordinator (gRPC Subscribe): a group's
// generations come from the same persisted epoch (OffsetStore::GroupEpoch),
// so they never repeat whichever protocol serves the group. A group is
// served by one protocol at a time: a JoinGroup while the group has
// eventlog members is refused (kInconsistentGroupProtocol), as Broker
// refuses a group Subscribe while the group has Kafka members.
//
// A thread ticks every few tens of milliseconds: rebalance deadlines and
// session timeouts.
//
// Thread-safe. Callbacks run without the coordinator's lock, on the
// calling thread or the ticking thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/classic_group.h"
#include "service/broker/classic_group_types.h"
#include "service/broker/group_coordinator.h"
#include "storage/offset_store.h"

namespace eventlog::broker {

class ClassicGroupCoordinator {
 public:
  struct Options {
    // Kafka's group.initial.rebalance.delay.ms.
    int64_t initial_rebalance_delay_ms = 3000;
    // Accepted session timeouts (Kafka's group.min/max.session.timeout.ms).
    int32_t min_session_timeout_ms = 1000;
    int32_t max_session_timeout_ms = 30 * 60 * 1000;
    int64_t tick_ms = 25;
  };

  // `epochs` (null: generations are not persisted, for tests) and
  // `eventlog_groups` (null: no other protocol) must outlive this object.
  ClassicGroupCoordinator(const Options& options, storage::OffsetStore* epochs,
                          const GroupCoordinator* eventlog_groups);
  // Shutdown(), then stops the ticking thread.
  ~ClassicGroupCoordinator();

  ClassicGroupCoordinator(const ClassicGroupCoordinator&) = delete;
  ClassicGroupCoordinator& operator=(const ClassicGroupCoordinator&) = delete;

  // `done` runs once, maybe inline. INVALID_ARGUMENT (group name, session
  // timeout with reason kInvalidSessionTimeout), and ClassicGroup's errors.
  void Join(ClassicJoinRequest request, ClassicJoinCallback done);
  void Sync(ClassicSyncRequest request, ClassicSyncCallback done);
  absl::Status Heartbeat(const std::string& group, const std::string& member_id,
                         int64_t generation);
  absl::Status Leave(const std::string& group, const std::string& member_id);

  // Runs `write` (quick, no fsync) under the lock if the group may take the
  // commit (ClassicGroup::CheckCommit).
  absl::Status CommitIfAllowed(const std::string& group, int64_t generation,
                               const std::string& member_id,
                               absl::FunctionRef<absl::Status()> write);

  bool HasMembers(absl::string_view group) const;
  // nullopt for a group with no members here.
  std::optional<ClassicGroupInfo> Describe(absl::string_view group) const;
  // Groups with members, by name.
  std::vector<ClassicGroupInfo> List() const;

  // Answers every parked JoinGroup and SyncGroup with UNAVAILABLE and
  // refuses new ones. Idempotent.
  void Shutdown();

 private:
  ClassicGroup& GroupLocked(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();

  const Options options_;
  storage::OffsetStore* const epochs_;
  const GroupCoordinator* const eventlog_groups_;
  const std::string member_prefix_;  // unique per process

  mutable absl::Mutex mu_;
  std::map<std::string, ClassicGroup, std::less<>> groups_ ABSL_GUARDED_BY(mu_);
  uint64_t next_member_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread ticker_;
};

}  // namespace eventlog::broker

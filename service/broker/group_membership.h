// GroupMembership: the member side of one group-mode Subscribe stream. It
// receives the coordinator's revokes, assignments and eviction (as a
// GroupMember), queues them for the stream's pump (Subscription::Next) and
// wakes the pump, and carries the pump's answers back to the coordinator
// (revoke done, leave). It also tracks whether a write is in flight, which
// the coordinator's session check reads.
//
// Thread-safe. The coordinator calls in with its lock held; this class calls
// the coordinator only without its own lock held.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/group_coordinator.h"
#include "service/broker/group_member.h"

namespace eventlog::broker {

class GroupMembership final : public GroupMember {
 public:
  // A change for the pump, in the order the coordinator made them.
  struct Change {
    enum class Kind { kRevoke, kAssign };
    Kind kind = Kind::kRevoke;
    uint64_t round = 0;      // kRevoke
    int64_t generation = 0;  // kAssign
    std::vector<int32_t> partitions;
  };

  // `coordinator` must outlive this object.
  GroupMembership(GroupCoordinator* coordinator, std::string group);
  // Leaves the group if still a member.
  ~GroupMembership() override;

  GroupMembership(const GroupMembership&) = delete;
  GroupMembership& operator=(const GroupMembership&) = delete;

  // Joins for the topic (see GroupCoordinator::Join). `poke` wakes the
  // stream's pump; it runs with the coordinator's lock held and must only
  // schedule work. Call once.
  void Join(absl::string_view topic, uint64_t topic_id, int32_t partition_count,
            absl::string_view client, absl::AnyInvocable<void()> poke);

  // Idempotent. After it returns the coordinator no longer calls this member.
  void Leave();

  // For the pump: the changes queued since the last call.
  std::vector<Change> TakeChanges();
  // Reports a revoke applied (no write carrying its partitions in flight).
  void RevokeDone(uint64_t round);
  // Why the member was evicted; OK while it is not.
  absl::Status evicted() const;

  // The pump started a write (true) or has none in flight (false).
  void SetBusy(bool busy);

  // Runs (once, with the coordinator's lock held, so it must only schedule
  // work) when the member is evicted: the transport then ends the stream
  // even if a write is stuck. Set it before the stream starts.
  void SetEvictionHook(absl::AnyInvocable<void()> hook);

  const std::string& group() const { return group_; }
  // Empty before Join.
  const std::string& member_id() const { return member_id_; }

  // GroupMember:
  void Revoke(uint64_t round, std::vector<int32_t> partitions) override;
  void Assign(int64_t generation, std::vector<int32_t> partitions) override;
  void Evict(absl::Status why) override;
  int64_t busy_since_ms() const override { return busy_since_ms_.load(std::memory_order_relaxed); }

 private:
  GroupCoordinator* const coordinator_;
  const std::string group_;
  std::string member_id_;  // set by Join before the coordinator knows this member
  std::atomic<int64_t> busy_since_ms_{0};

  mutable absl::Mutex mu_;
  bool joined_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Change> changes_ ABSL_GUARDED_BY(mu_);
  absl::Status evicted_ ABSL_GUARDED_BY(mu_);
  absl::AnyInvocable<void()> poke_ ABSL_GUARDED_BY(mu_);
  absl::AnyInvocable<void()> eviction_hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::broker

#include "service/broker/group_membership.h"

#include <utility>

#include "absl/time/clock.h"

namespace eventlog::broker {

GroupMembership::GroupMembership(GroupCoordinator* coordinator, std::string group)
    : coordinator_(coordinator), group_(std::move(group)) {}

GroupMembership::~GroupMembership() { Leave(); }

void GroupMembership::Join(absl::string_view topic, uint64_t topic_id, int32_t partition_count,
                           absl::string_view client, absl::AnyInvocable<void()> poke) {
  member_id_ = coordinator_->NewMemberId(client);
  {
    absl::MutexLock lock(&mu_);
    poke_ = std::move(poke);
    joined_ = true;
  }
  coordinator_->Join(group_, member_id_, topic, topic_id, partition_count, this);
}

void GroupMembership::Leave() {
  {
    absl::MutexLock lock(&mu_);
    if (!joined_) return;
    joined_ = false;
  }
  coordinator_->Leave(group_, member_id_);
}

std::vector<GroupMembership::Change> GroupMembership::TakeChanges() {
  absl::MutexLock lock(&mu_);
  std::vector<Change> changes;
  changes.swap(changes_);
  return changes;
}

void GroupMembership::RevokeDone(uint64_t round) {
  coordinator_->RevokeDone(group_, member_id_, round);
}

absl::Status GroupMembership::evicted() const {
  absl::MutexLock lock(&mu_);
  return evicted_;
}

void GroupMembership::SetBusy(bool busy) {
  busy_since_ms_.store(busy ? absl::ToUnixMillis(absl::Now()) : 0, std::memory_order_relaxed);
}

void GroupMembership::SetEvictionHook(absl::AnyInvocable<void()> hook) {
  absl::MutexLock lock(&mu_);
  eviction_hook_ = std::move(hook);
}

void GroupMembership::Revoke(uint64_t round, std::vector<int32_t> partitions) {
  absl::MutexLock lock(&mu_);
  changes_.push_back(Change{Change::Kind::kRevoke, round, 0, std::move(partitions)});
  if (poke_) poke_();
}

void GroupMembership::Assign(int64_t generation, std::vector<int32_t> partitions) {
  absl::MutexLock lock(&mu_);
  changes_.push_back(Change{Change::Kind::kAssign, 0, generation, std::move(partitions)});
  if (poke_) poke_();
}

void GroupMembership::Evict(absl::Status why) {
  absl::MutexLock lock(&mu_);
  joined_ = false;  // the coordinator already forgot this member
  evicted_ = std::move(why);
  if (poke_) poke_();
  if (eviction_hook_) {
    absl::AnyInvocable<void()> hook = std::move(eviction_hook_);
    hook();
  }
}

}  // namespace eventlog::broker

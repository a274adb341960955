// GroupCoordinator: consumer-group membership, assignments and generations.
//
// For now there is no membership (group-mode Subscribe is not implemented):
// every group is at generation 0 with no members, so only standalone commits
// (generation 0) are accepted. This is the seam the coordinator of the next
// issue fills in: CommitOffset asks CheckCommit, DescribeGroup asks
// Generation and Members.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "service/broker/offset_types.h"

namespace eventlog::broker {

class GroupCoordinator {
 public:
  // OK if a commit by a member of `group` at `generation` may be stored: 0 is
  // never checked (a standalone consumer); any other generation must be the
  // group's current one, else FAILED_PRECONDITION.
  absl::Status CheckCommit(absl::string_view group, absl::string_view topic, int32_t partition,
                           int64_t generation) const;

  // The group's current generation (0: no rebalance has happened).
  int64_t Generation(absl::string_view group) const;

  // The group's live members and their partitions.
  std::vector<GroupMemberInfo> Members(absl::string_view group) const;

  // True if the group has live members (it is known even without commits).
  bool HasMembers(absl::string_view group) const;
};

}  // namespace eventlog::broker

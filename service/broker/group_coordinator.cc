#include "service/broker/group_coordinator.h"

#include "absl/strings/str_cat.h"

namespace eventlog::broker {

absl::Status GroupCoordinator::CheckCommit(absl::string_view group, absl::string_view topic,
                                           int32_t partition, int64_t generation) const {
  if (generation == 0) return absl::OkStatus();
  const int64_t current = Generation(group);
  if (generation == current) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "commit for group \"", group, "\" topic \"", topic, "\" partition ", partition,
      " carries generation ", generation, " but the group's current generation is ", current,
      "; rejoin the group, or commit with generation 0 as a standalone consumer"));
}

int64_t GroupCoordinator::Generation(absl::string_view /*group*/) const { return 0; }

std::vector<GroupMemberInfo> GroupCoordinator::Members(absl::string_view /*group*/) const {
  return {};
}

bool GroupCoordinator::HasMembers(absl::string_view /*group*/) const { return false; }

}  // namespace eventlog::broker

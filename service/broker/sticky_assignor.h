// StickyAssignor: how a topic's partitions are split among the live members
// of a consumer group. Every partition goes to exactly one member; counts
// differ by at most one (members beyond the partition count get none); and,
// given who owns what now, as few partitions as possible change hands: the
// members that own the most keep the larger shares, every member keeps as
// many of its partitions as its share allows, and only the surplus and the
// orphans (partitions of departed members, or never assigned) move.
//
// Thread-safe (a pure function).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace eventlog::broker {

class StickyAssignor {
 public:
  using Assignment = std::map<std::string, std::vector<int32_t>>;  // member -> partitions

  // `members`: the live members, oldest first (ties are settled in this
  // order, so the result is deterministic). `current`: what members own now;
  // entries of members not in `members`, partitions outside
  // [0, partition_count) and partitions claimed twice are ignored. The
  // result has an entry (possibly empty) for every member, partitions sorted.
  static Assignment Assign(int32_t partition_count, const std::vector<std::string>& members,
                           const Assignment& current);
};

}  // namespace eventlog::broker

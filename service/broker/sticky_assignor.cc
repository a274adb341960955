#include "service/broker/sticky_assignor.h"

#include <algorithm>

namespace eventlog::broker {

StickyAssignor::Assignment StickyAssignor::Assign(int32_t partition_count,
                                                  const std::vector<std::string>& members,
                                                  const Assignment& current) {
  Assignment result;
  for (const std::string& member : members) result[member];
  if (members.empty() || partition_count <= 0) return result;

  // What each live member validly owns now (first claim wins).
  std::vector<bool> claimed(partition_count, false);
  std::vector<std::vector<int32_t>> owned(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    auto it = current.find(members[i]);
    if (it == current.end()) continue;
    for (int32_t p : it->second) {
      if (p < 0 || p >= partition_count || claimed[p]) continue;
      claimed[p] = true;
      owned[i].push_back(p);
    }
    std::sort(owned[i].begin(), owned[i].end());
  }

  // Shares: `base` each, one more for `extra` members, preferring those that
  // own the most (they then give up the least).
  const int32_t count = static_cast<int32_t>(members.size());
  const int32_t base = partition_count / count;
  int32_t extra = partition_count % count;
  std::vector<size_t> by_owned(members.size());
  for (size_t i = 0; i < by_owned.size(); ++i) by_owned[i] = i;
  std::stable_sort(by_owned.begin(), by_owned.end(),
                   [&](size_t a, size_t b) { return owned[a].size() > owned[b].size(); });
  std::vector<int32_t> share(members.size(), base);
  for (size_t i : by_owned) {
    if (extra == 0) break;
    ++share[i];
    --extra;
  }

  // Keep what fits in the share; everything else is up for grabs.
  std::vector<bool> kept(partition_count, false);
  for (size_t i = 0; i < members.size(); ++i) {
    if (owned[i].size() > static_cast<size_t>(share[i])) owned[i].resize(share[i]);
    for (int32_t p : owned[i]) kept[p] = true;
  }
  std::vector<int32_t> free;
  for (int32_t p = 0; p < partition_count; ++p) {
    if (!kept[p]) free.push_back(p);
  }
  size_t next = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    while (owned[i].size() < static_cast<size_t>(share[i]) && next < free.size()) {
      owned[i].push_back(free[next++]);
    }
    std::sort(owned[i].begin(), owned[i].end());
    result[members[i]] = std::move(owned[i]);
  }
  return result;
}

}  // namespace eventlog::broker

#include "storage/log/read_hints.h"

namespace eventlog::storage {

std::optional<int64_t> ReadHints::Find(int64_t offset,
                                       const std::shared_ptr<Segment>& segment) const {
  absl::MutexLock l(&mu_);
  for (const Hint& hint : hints_) {
    if (hint.offset == offset && hint.segment.lock() == segment) return hint.position;
  }
  return std::nullopt;
}

void ReadHints::Remember(int64_t offset, const std::shared_ptr<Segment>& segment,
                         int64_t position) {
  absl::MutexLock l(&mu_);
  hints_[next_] = Hint{offset, segment, position};
  next_ = (next_ + 1) % kHints;
}

void ReadHints::Clear() {
  absl::MutexLock l(&mu_);
  for (Hint& hint : hints_) hint = Hint{};
}

}  // namespace eventlog::storage

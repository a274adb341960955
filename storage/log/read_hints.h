// ReadHints: remembered (offset -> batch position in a segment) from the
// ends of recent reads, so that a reader continuing where it stopped skips
// the index lookup. Segments are held weakly and compared by identity: a
// compacted segment is a new object, so hints into the old file never match.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/log/segment.h"

namespace eventlog::storage {

class ReadHints {
 public:
  // The position of the batch holding `offset` in `segment`, if remembered.
  std::optional<int64_t> Find(int64_t offset, const std::shared_ptr<Segment>& segment) const;
  void Remember(int64_t offset, const std::shared_ptr<Segment>& segment, int64_t position);
  void Clear();

 private:
  static constexpr int kHints = 8;
  struct Hint {
    int64_t offset = -1;
    std::weak_ptr<Segment> segment;
    int64_t position = 0;
  };

  mutable absl::Mutex mu_;
  Hint hints_[kHints] ABSL_GUARDED_BY(mu_);
  int next_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::storage

// IndexCadence: decides which batches get offset/time index entries: the
// first batch of every segment, then the first batch once at least
// `interval_bytes` of batches went by since the last entry. The append path,
// recovery and compaction all use it, so a rebuilt index equals the original.
//
// Not thread-safe; a value type.
#pragma once

#include <cstdint>

namespace eventlog::storage {

class IndexCadence {
 public:
  explicit IndexCadence(int64_t interval_bytes) : interval_bytes_(interval_bytes) {}

  // Whether the batch starting at `position` in its segment gets an entry.
  bool ShouldIndex(int64_t position) const {
    return position == 0 || bytes_since_entry_ >= interval_bytes_;
  }

  // Records a batch of `length` bytes that was (or was not) indexed.
  void Add(bool indexed, int64_t length) {
    bytes_since_entry_ = indexed ? length : bytes_since_entry_ + length;
  }

 private:
  int64_t interval_bytes_;
  int64_t bytes_since_entry_ = 0;
};

}  // namespace eventlog::storage

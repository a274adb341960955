// WaiterList: the readers parked on a partition log until its high watermark
// passes an offset (PartitionLog::WaitForData). Callbacks are handed back to
// the caller to run after it drops its lock.
//
// Not thread-safe: the partition log guards it with its state lock.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"

namespace eventlog::storage {

class WaiterList {
 public:
  using Callback = absl::AnyInvocable<void()>;

  // Registers `callback` to be released once the high watermark is
  // > `offset`. Returns its id (never 0).
  uint64_t Add(int64_t offset, Callback callback);

  // Removes a waiter; false if unknown (already released or cancelled).
  bool Remove(uint64_t id);

  // Removes and returns the callbacks of waiters with offset < `high_watermark`.
  std::vector<Callback> TakeReady(int64_t high_watermark);

  // Removes and returns every callback.
  std::vector<Callback> TakeAll();

  size_t size() const { return by_offset_.size(); }

 private:
  uint64_t next_id_ = 1;
  // (offset, id) -> callback: the ready ones are a prefix.
  std::map<std::pair<int64_t, uint64_t>, Callback> by_offset_;
  absl::flat_hash_map<uint64_t, int64_t> offset_of_;
};

}  // namespace eventlog::storage

// BufferPool: recycles the large buffers that reads and scans fill from
// segment files. Reads hand their buffers to callers (ReadResult::backing);
// when the last reference goes the buffer returns here instead of to
// malloc, so steady streaming does not page-fault fresh memory on every read.
//
// Thread-safe. Sizes are rounded up to powers of two from 64 KiB; at most
// `max_cached_bytes` stay cached, larger buffers are never cached.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::util {

class BufferPool {
 public:
  static constexpr size_t kMinBuffer = size_t{64} << 10;
  static constexpr size_t kMaxCachedBuffer = size_t{16} << 20;

  explicit BufferPool(size_t max_cached_bytes) : max_cached_bytes_(max_cached_bytes) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The process-wide pool of the storage engine. Never destroyed, so
  // buffers may outlive every Store.
  static BufferPool& Default();

  // A buffer of at least `size` bytes, uninitialized. It goes back to the
  // pool when the last shared_ptr copy is dropped.
  std::shared_ptr<char[]> Get(size_t size);

  size_t cached_bytes() const;

 private:
  static constexpr int kClasses = 9;  // 64 KiB .. 16 MiB

  void Put(char* buffer, int size_class);

  const size_t max_cached_bytes_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<char[]>> free_[kClasses] ABSL_GUARDED_BY(mu_);
  size_t cached_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::util

#include "storage/util/buffer_pool.h"

#include <bit>

#include "storage/util/no_destructor.h"

namespace eventlog::util {
namespace {

// -1 for sizes above the largest cached class.
int SizeClass(size_t size) {
  if (size <= BufferPool::kMinBuffer) return 0;
  if (size > BufferPool::kMaxCachedBuffer) return -1;
  return std::bit_width(size - 1) - std::bit_width(BufferPool::kMinBuffer - 1);
}

}  // namespace

BufferPool& BufferPool::Default() {
  static NoDestructor<BufferPool> pool(size_t{64} << 20);
  return *pool.get();
}

std::shared_ptr<char[]> BufferPool::Get(size_t size) {
  const int size_class = SizeClass(size);
  if (size_class < 0) return std::shared_ptr<char[]>(std::make_unique_for_overwrite<char[]>(size));
  const size_t class_size = kMinBuffer << size_class;
  std::unique_ptr<char[]> buffer;
  {
    absl::MutexLock l(&mu_);
    std::vector<std::unique_ptr<char[]>>& list = free_[size_class];
    if (!list.empty()) {
      buffer = std::move(list.back());
      list.pop_back();
      cached_bytes_ -= class_size;
    }
  }
  if (buffer == nullptr) buffer = std::make_unique_for_overwrite<char[]>(class_size);
  return std::shared_ptr<char[]>(buffer.release(),
                                 [this, size_class](char* p) { Put(p, size_class); });
}

void BufferPool::Put(char* buffer, int size_class) {
  std::unique_ptr<char[]> owned(buffer);
  const size_t class_size = kMinBuffer << size_class;
  absl::MutexLock l(&mu_);
  if (cached_bytes_ + class_size > max_cached_bytes_) return;  // freed
  free_[size_class].push_back(std::move(owned));
  cached_bytes_ += class_size;
}

size_t BufferPool::cached_bytes() const {
  absl::MutexLock l(&mu_);
  return cached_bytes_;
}

}  // namespace eventlog::util

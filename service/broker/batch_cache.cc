#include "service/broker/batch_cache.h"

#include <utility>

namespace eventlog::broker {

absl::StatusOr<std::shared_ptr<const SharedBatch>> BatchCache::Read(
    const std::shared_ptr<storage::PartitionLog>& log, int64_t offset, int32_t max_records,
    int64_t max_bytes) {
  const Key key{log.get(), offset, max_records};
  if (capacity_bytes_ > 0) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      ++hits_;
      return it->second->batch;
    }
  }
  // Concurrent misses on one key both read; the second insert is dropped.
  // Rare enough (readers of one tail mostly wake one after another) not to
  // be worth a wait.
  absl::StatusOr<storage::ReadResult> read = log->Read(offset, max_records, max_bytes);
  if (!read.ok()) return read.status();
  const bool cacheable = !read->records.empty();
  auto batch = std::make_shared<const SharedBatch>(log->partition(), *std::move(read));
  if (capacity_bytes_ == 0 || !cacheable) return batch;
  const int64_t cost = Cost(*batch);
  if (cost > capacity_bytes_) return batch;
  absl::MutexLock lock(&mu_);
  if (index_.contains(key)) return batch;
  lru_.push_front(Entry{key, log, batch, cost});
  index_.emplace(key, lru_.begin());
  bytes_ += cost;
  EvictLocked();
  return batch;
}

int64_t BatchCache::Cost(const SharedBatch& batch) {
  // The records as read plus their encoding, which is about as large, plus
  // the views.
  return 2 * static_cast<int64_t>(batch.payload_bytes()) +
         static_cast<int64_t>(batch.read().records.size()) *
             static_cast<int64_t>(sizeof(storage::RecordView) + 16) +
         256;
}

void BatchCache::EvictLocked() {
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    Entry& last = lru_.back();
    bytes_ -= last.cost;
    index_.erase(last.key);
    lru_.pop_back();
  }
}

int64_t BatchCache::TEST_bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

int64_t BatchCache::TEST_hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

}  // namespace eventlog::broker

// BatchCache: the newest batches read for subscriptions, shared by every
// subscription that reads the same (partition log, offset, record limit).
// Subscribers following a partition's tail all wake for the same append and
// read from the same offset: the first one reads the log (and the transport
// encodes the batch once, see SharedBatch), the others get the same object.
// Reads at a new offset after the first reader align later readers on the
// same batch boundaries, so they keep sharing.
//
// Bounded in bytes (least recently used entries go first); a batch a stream
// is still writing stays alive through its own reference, so the bound is on
// what the cache keeps, not on what streams hold (one batch each).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/shared_batch.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

class BatchCache {
 public:
  // `capacity_bytes` of 0 disables caching (every read goes to the log).
  explicit BatchCache(int64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  BatchCache(const BatchCache&) = delete;
  BatchCache& operator=(const BatchCache&) = delete;

  // The batch at `offset` of `log` (see PartitionLog::Read for the limits and
  // errors), from the cache when an equal read was made before. Empty reads
  // and errors are not cached. `max_bytes` must be the same for every call
  // (it is the broker's batch byte cap).
  absl::StatusOr<std::shared_ptr<const SharedBatch>> Read(
      const std::shared_ptr<storage::PartitionLog>& log, int64_t offset, int32_t max_records,
      int64_t max_bytes);

  // Test seams.
  int64_t TEST_bytes() const;
  int64_t TEST_hits() const;

 private:
  struct Key {
    const storage::PartitionLog* log;
    int64_t offset;
    int32_t max_records;

    bool operator==(const Key& other) const {
      return log == other.log && offset == other.offset && max_records == other.max_records;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Key& key) {
      return H::combine(std::move(h), key.log, key.offset, key.max_records);
    }
  };
  struct Entry {
    Key key;
    // Keeps the log object, and so the address in the key, alive.
    std::shared_ptr<storage::PartitionLog> log;
    std::shared_ptr<const SharedBatch> batch;
    int64_t cost = 0;
  };
  using Lru = std::list<Entry>;  // most recently used first

  static int64_t Cost(const SharedBatch& batch);
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t capacity_bytes_;
  mutable absl::Mutex mu_;
  Lru lru_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Key, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::broker

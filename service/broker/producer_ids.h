// ProducerIds: hands out Kafka idempotent-producer ids (InitProducerId).
// Ids are reserved from the store in blocks (Store::ReserveProducerIds,
// synced), so a restarted broker never hands out an id twice; the
// broker's id sits in the high bits (id = broker_id << 40 | local id), so
// brokers of a cluster never hand out the same one.
//
// Thread-safe.
#pragma once

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace eventlog::broker {

struct ProducerIdAndEpoch {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

class ProducerIds {
 public:
  static constexpr int64_t kBlock = 1000;
  static constexpr int kLocalBits = 40;

  // `store` must outlive this object.
  ProducerIds(storage::Store* store, int32_t broker_id) : store_(store), broker_id_(broker_id) {}

  // A new id with epoch 0; or, given the id and epoch a producer has
  // (KIP-360: it lost track of its sequence numbers), the same id with the
  // next epoch (a new id once the epoch would overflow). INVALID_ARGUMENT
  // for a negative epoch with an id; the store's errors.
  absl::StatusOr<ProducerIdAndEpoch> Init(int64_t producer_id, int16_t producer_epoch);

 private:
  storage::Store* const store_;
  const int32_t broker_id_;
  absl::Mutex mu_;
  int64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t end_ ABSL_GUARDED_BY(mu_) = 0;  // of the reserved block
};

}  // namespace eventlog::broker

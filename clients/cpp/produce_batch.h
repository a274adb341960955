// ProduceBatch: one produce request being filled, in flight, or waiting in
// the producer's pool for reuse (its request keeps its allocated records).
//
// Not thread-safe: owned by one component at a time, handed over by
// unique_ptr (Producer -> ProducePipeline -> back to Producer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "clients/cpp/batch_outcome.h"
#include "eventlog/v1/eventlog.pb.h"

namespace eventlog::client {

struct ProduceBatch {
  v1::ProduceRequest request;
  std::shared_ptr<BatchOutcome> outcome;  // shared with the records' futures
  size_t bytes = 0;                       // estimated size of the records
  absl::Time deadline;                    // when linger expires
};

}  // namespace eventlog::client

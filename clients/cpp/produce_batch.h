// ProduceBatch: one produce request being filled (its records' wire bytes,
// see produce_request_wire.h), in flight (the sealed request's bytes), or
// waiting in the producer's pool for reuse.
//
// Not thread-safe: owned by one component at a time, handed over by
// unique_ptr (Producer -> ProducePipeline -> back to Producer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "clients/cpp/batch_outcome.h"
#include "grpcpp/support/byte_buffer.h"

namespace eventlog::client {

struct ProduceBatch {
  int32_t partition = 0;
  int32_t records = 0;                    // how many
  std::string encoded;                    // the records' wire bytes, while filling
  uint64_t request_id = 0;                // set when sealed
  grpc::ByteBuffer request;               // the whole request, once sealed
  std::shared_ptr<BatchOutcome> outcome;  // shared with the records' futures
  size_t bytes = 0;                       // estimated size of the records
  absl::Time deadline;                    // when linger expires
};

}  // namespace eventlog::client

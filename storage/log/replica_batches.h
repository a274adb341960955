// ParseReplicaBatches: splits and checks the bytes of a follower's append
// (PartitionLog::AppendReplicaAsync): whole magic 2 record batches as the
// leader stored them, each passing its header checks and checksum, in
// offset order (each base offset at or past the end of the batch before),
// with leader epochs that never go down. Run before the append lock: the
// checksums are the expensive part.
//
// Stateless; thread-safe.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/record_batch_format.h"

namespace eventlog::storage {

// The headers of the batches in `batches`, in order. INVALID_ARGUMENT if
// empty; DATA_LOSS for a batch that is cut short, of another magic, or
// fails its checks or checksum; FAILED_PRECONDITION for batches out of
// offset order or an epoch going down.
absl::StatusOr<std::vector<format::BatchHeader>> ParseReplicaBatches(absl::string_view batches);

}  // namespace eventlog::storage

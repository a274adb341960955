// ReadForReplica: the leader's read for the replication stream
// (PartitionLog::ReadForReplica): whole batches copied as stored, from the
// batch holding an offset up to the log end, found through the offset
// index and the segments' published sizes (an append publishes a batch
// only once it is fully written, so no partial batch is ever sent).
//
// Stateless; thread-safe. `segments` and `index` must outlive the call.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "storage/log/log_segments.h"
#include "storage/log/offset_index.h"
#include "storage/partition_log.h"

namespace eventlog::storage {

absl::StatusOr<ReplicaRead> ReadForReplica(const LogSegments& segments, const OffsetIndex& index,
                                           int64_t offset, int64_t max_bytes);

}  // namespace eventlog::storage

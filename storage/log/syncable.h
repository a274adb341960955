// Syncable: a partition log as the store's sync threads see it.
// Implementations must be thread-safe.
#pragma once

#include "absl/status/status.h"
#include "leveldb/write_batch.h"

namespace eventlog::storage {

class Syncable {
 public:
  virtual ~Syncable() = default;

  // fsyncs every batch written before the call, then moves the high
  // watermark over them (waking readers). After a failed sync it fails for
  // good (StorageHealth).
  virtual absl::Status SyncWritten() = 0;

  // Adds the partition's recovery point (its durable end) to `batch` if it
  // moved since the last call.
  virtual void CheckpointRecoveryPoint(leveldb::WriteBatch* batch) = 0;
};

}  // namespace eventlog::storage

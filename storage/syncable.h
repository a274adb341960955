// Syncable: something the group committer can fsync (a partition log).
// Implementations must be thread-safe.
#pragma once

#include "absl/status/status.h"

namespace eventlog::storage {

class Syncable {
 public:
  virtual ~Syncable() = default;
  // fsyncs every byte written before the call.
  virtual absl::Status SyncWritten() = 0;
};

}  // namespace eventlog::storage

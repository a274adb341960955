// BatchOutcome: the result of one produce request, shared by the futures of
// all records in it (one allocation per batch, none per record).
//
// Thread-safe by protocol: Complete() is called exactly once; the fields are
// read only after `done` has been notified.
#pragma once

#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"

namespace eventlog::client {

struct BatchOutcome {
  void Complete(absl::Status s, int32_t p, int64_t base) {
    status = std::move(s);
    partition = p;
    base_offset = base;
    done.Notify();
  }

  absl::Notification done;
  absl::Status status;  // of the whole request
  int32_t partition = -1;
  int64_t base_offset = -1;  // record i of the batch got base_offset + i
};

}  // namespace eventlog::client

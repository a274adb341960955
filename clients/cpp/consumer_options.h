// ConsumerOptions: what a Consumer subscribes to and where it starts.
// A plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eventlog/v1/eventlog.pb.h"

namespace eventlog::client {

struct ConsumerOptions {
  // Group mode when set: the broker assigns partitions among the group's
  // members and Commit() stores offsets with the assignment's generation.
  std::string group;
  // Explicit mode (no group): these partitions, or all when empty.
  std::vector<int32_t> partitions;
  // Explicit mode only: the group Commit() stores offsets for (unchecked
  // generation 0, as a standalone consumer). Empty: Commit() is refused.
  std::string commit_group;

  // UNSPECIFIED: COMMITTED in group mode, LATEST otherwise.
  v1::StartFrom start_from = v1::START_FROM_UNSPECIFIED;
  int64_t start_offset = 0;        // START_FROM_OFFSET
  int64_t start_timestamp_ms = 0;  // START_FROM_TIMESTAMP
  // Group mode: where to start on partitions without a committed offset
  // (EARLIEST or LATEST; UNSPECIFIED = LATEST).
  v1::StartFrom reset_to = v1::START_FROM_UNSPECIFIED;
  int32_t max_batch_records = 0;  // per pushed batch; 0 = server default

  // Responses read ahead of the application.
  int max_buffered_batches = 8;
};

}  // namespace eventlog::client

// ConsumerOptions: what a Consumer subscribes to, where it starts, its
// rebalance callbacks and its commits. A plain value.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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

  // Responses read ahead of the application (per stream).
  int max_buffered_batches = 8;

  // Whether a subscription that ends with UNAVAILABLE (its broker went
  // away) is opened again, with backoff, through the Client's channel: a
  // group member rejoins from the committed offsets; explicit partitions
  // resume after the last record Poll returned (resuming_subscription.h).
  // Unset: when the Client was given several servers (a bootstrap list).
  std::optional<bool> resubscribe;

  // Group mode: called from Poll, in the consuming thread, when a new
  // assignment arrives and before any record of it: on_revoke with the
  // partitions taken away (only when some are; Leave() passes every owned
  // one), then on_assign with the partitions added (after every assignment,
  // possibly none), as in Kafka's cooperative protocol. A revoked partition's
  // position is dropped: its new owner resumes from the committed offset.
  std::function<void(const std::vector<int32_t>& partitions)> on_assign;
  std::function<void(const std::vector<int32_t>& partitions)> on_revoke;
  // Commits the positions Poll handed out at most this often (checked in
  // Poll) and in Leave(). Unset: every 5 s in group mode, never otherwise;
  // zero: only explicit Commit() calls.
  std::optional<absl::Duration> auto_commit_interval;
  // Hears why a commit was deferred or a position dropped during a rebalance
  // (one line each); unset: nothing is said.
  std::function<void(absl::string_view line)> log;
};

}  // namespace eventlog::client

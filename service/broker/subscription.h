// Subscription: the transport-free engine of one Subscribe stream over some
// partitions of a topic. It keeps a cursor (next offset) per partition and,
// whenever the stream is ready for more, reads the next batch straight from
// the log of the next partition with data, round-robin so that a busy
// partition cannot starve the others. Nothing is queued in memory: a slow
// stream simply asks less often. When every partition is caught up, Park()
// waits on the logs (PartitionLog::WaitForData) and the broker's shutdown.
//
// Thread-safety: Next() and Park() must not be called concurrently with each
// other (the stream calls them from its single pump); Cancel() may be called
// from any thread at any time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/data_waiter.h"
#include "service/broker/shutdown_signal.h"
#include "service/broker/subscribe_types.h"
#include "storage/topic.h"

namespace eventlog::broker {

class Subscription {
 public:
  struct Cursor {
    int32_t partition = 0;
    std::shared_ptr<storage::PartitionLog> log;
    int64_t next_offset = 0;
  };

  // `shutdown` must outlive this object. `cursors` is non-empty.
  Subscription(std::shared_ptr<storage::Topic> topic, std::vector<Cursor> cursors,
               int32_t max_batch_records, int32_t max_batch_bytes, ShutdownSignal* shutdown);

  // The next batch (at least one record, at most max_batch_records and
  // about max_batch_bytes), or nullopt when every partition is caught up.
  // Errors end the stream: NOT_FOUND once the topic is deleted, UNAVAILABLE
  // when the server shuts down, DATA_LOSS on a checksum mismatch. A cursor
  // that retention has overtaken skips to the new log_start_offset.
  absl::StatusOr<std::optional<SubscriptionBatch>> Next();

  // Runs `wake` exactly once: when a partition may have data past its
  // cursor, the topic is deleted, the server shuts down, or Cancel() is
  // called; possibly inline. Call only after Next() returned nullopt, and
  // not again before `wake` has run.
  void Park(absl::AnyInvocable<void()> wake);

  // Wakes a pending Park() now and makes later ones wake at once.
  void Cancel();

  const std::string& topic() const { return topic_->name(); }

 private:
  absl::StatusOr<storage::ReadResult> ReadAt(Cursor& cursor) const;

  const std::shared_ptr<storage::Topic> topic_;
  std::vector<Cursor> cursors_;  // Only the pump touches cursors.
  size_t next_cursor_ = 0;       // Round-robin position.
  const int32_t max_batch_records_;
  const int32_t max_batch_bytes_;
  ShutdownSignal* const shutdown_;

  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<DataWaiter> waiter_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::broker

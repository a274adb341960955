#include "service/broker/subscription.h"

#include <algorithm>
#include <utility>

#include "service/broker/validation.h"

namespace eventlog::broker {

Subscription::Subscription(std::shared_ptr<storage::Topic> topic, std::vector<Cursor> cursors,
                           int32_t max_batch_records, int32_t max_batch_bytes,
                           ShutdownSignal* shutdown)
    : topic_(std::move(topic)),
      cursors_(std::move(cursors)),
      max_batch_records_(max_batch_records),
      max_batch_bytes_(max_batch_bytes),
      shutdown_(shutdown) {}

absl::StatusOr<std::optional<SubscriptionBatch>> Subscription::Next() {
  if (shutdown_->triggered()) return ShuttingDownError();
  if (topic_->deleted()) return ClosedTopicError(*topic_);
  const size_t n = cursors_.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t index = (next_cursor_ + i) % n;
    Cursor& cursor = cursors_[index];
    if (cursor.log->closed()) return ClosedTopicError(*topic_);
    if (cursor.log->high_watermark() <= cursor.next_offset) continue;
    absl::StatusOr<storage::ReadResult> read = ReadAt(cursor);
    if (!read.ok()) {
      if (topic_->deleted() || cursor.log->closed()) return ClosedTopicError(*topic_);
      return read.status();
    }
    cursor.next_offset = std::max(cursor.next_offset, read->next_offset);
    if (read->records.empty()) continue;  // A compacted gap; look again later.
    next_cursor_ = (index + 1) % n;
    return SubscriptionBatch{cursor.partition, *std::move(read)};
  }
  return std::nullopt;
}

absl::StatusOr<storage::ReadResult> Subscription::ReadAt(Cursor& cursor) const {
  absl::StatusOr<storage::ReadResult> read =
      cursor.log->Read(cursor.next_offset, max_batch_records_, max_batch_bytes_);
  if (read.status().code() == absl::StatusCode::kOutOfRange) {
    // Retention deleted records this stream had not read yet: they are gone
    // for every reader, so continue from the oldest record still stored.
    const int64_t log_start = cursor.log->log_start_offset();
    if (cursor.next_offset < log_start) {
      cursor.next_offset = log_start;
      read = cursor.log->Read(cursor.next_offset, max_batch_records_, max_batch_bytes_);
    }
  }
  return read;
}

void Subscription::Park(absl::AnyInvocable<void()> wake) {
  std::shared_ptr<DataWaiter> waiter = DataWaiter::Create(std::move(wake));
  bool cancelled;
  {
    absl::MutexLock lock(&mu_);
    cancelled = cancelled_;
    if (!cancelled) waiter_ = waiter;
  }
  if (cancelled) {
    waiter->Wake();
    return;
  }
  std::vector<DataWaiter::Target> targets;
  targets.reserve(cursors_.size());
  for (const Cursor& cursor : cursors_) {
    targets.push_back(DataWaiter::Target{cursor.log, cursor.next_offset});
  }
  waiter->Arm(std::move(targets), shutdown_);
}

void Subscription::Cancel() {
  std::shared_ptr<DataWaiter> waiter;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    waiter = waiter_;
  }
  if (waiter != nullptr) waiter->Wake();
}

}  // namespace eventlog::broker

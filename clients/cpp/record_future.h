// RecordFuture: the eventual (partition, offset) of one record handed to
// Producer::Send, or the error that kept it from being stored. Cheap to copy
// (a shared pointer to its batch's outcome and an index).
//
// Thread-safe: any number of threads may wait on and read copies.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/cpp/batch_outcome.h"
#include "clients/cpp/record_metadata.h"

namespace eventlog::client {

class RecordFuture {
 public:
  RecordFuture() = default;  // not valid(); Get() returns FAILED_PRECONDITION
  RecordFuture(std::shared_ptr<const BatchOutcome> outcome, int32_t index)
      : outcome_(std::move(outcome)), index_(index) {}

  // A future that is already failed with `status`.
  static RecordFuture Failed(absl::Status status) {
    auto outcome = std::make_shared<BatchOutcome>();
    outcome->Complete(std::move(status), -1, -1);
    return RecordFuture(std::move(outcome), 0);
  }

  bool valid() const { return outcome_ != nullptr; }
  // True once the result is known (Get() will not block).
  bool ready() const { return outcome_ == nullptr || outcome_->done.HasBeenNotified(); }
  // Waits up to `timeout`; true if the result is known.
  bool WaitFor(absl::Duration timeout) const {
    return outcome_ == nullptr || outcome_->done.WaitForNotificationWithTimeout(timeout);
  }

  // Blocks until the record is acknowledged or has failed.
  absl::StatusOr<RecordMetadata> Get() const {
    if (outcome_ == nullptr) return absl::FailedPreconditionError("empty RecordFuture");
    outcome_->done.WaitForNotification();
    if (!outcome_->status.ok()) return outcome_->status;
    return RecordMetadata{outcome_->partition, outcome_->base_offset + index_};
  }

 private:
  std::shared_ptr<const BatchOutcome> outcome_;
  int32_t index_ = 0;
};

}  // namespace eventlog::client

// DataWaiter: a one-shot wake-up for a reader that is caught up on one or more
// partition logs (a long-polling Fetch, a Subscribe stream). It parks on
// PartitionLog::WaitForData of every target and on the broker's
// ShutdownSignal, and runs its `wake` callback exactly once: when any target
// log has data past the given offset, is deleted or closes, when the broker
// shuts down, or when Wake() is called. The reader then reads again and finds
// out which.
//
// Usage: create (Create), store the pointer where Wake() can find it, then
// Arm(). Arm() may run `wake` inline (data already there), which is why the
// two steps are separate.
//
// Thread-safe. `wake` runs without any DataWaiter lock held: on the given
// Executor when there is one (so that an appender only schedules its
// readers' next reads, it does not run them) unless the waking thread has an
// open util::InlineTaskScope with room (the group commit thread: then there,
// after its syncs), else on an appender's, deleter's, closer's, Trigger()'s
// or Wake()'s thread; it must not block.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/executor.h"
#include "service/broker/shutdown_signal.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

class DataWaiter : public std::enable_shared_from_this<DataWaiter> {
 public:
  struct Target {
    std::shared_ptr<storage::PartitionLog> log;
    int64_t offset = 0;  // wake once high_watermark() > offset
  };

  // `executor` (not owned; may be null) must outlive the waiter's wake-up.
  static std::shared_ptr<DataWaiter> Create(absl::AnyInvocable<void()> wake,
                                            Executor* executor = nullptr);

  // Registers with every target and with `shutdown` (not owned; must outlive
  // this waiter's registration, i.e. until `wake` has run). With no targets,
  // wakes at once. Call at most once.
  void Arm(std::vector<Target> targets, ShutdownSignal* shutdown);

  // Runs `wake` now (on this thread, or schedules it on the executor) unless
  // it has already run.
  void Wake();

  bool fired() const;

  // Use Create().
  DataWaiter(absl::AnyInvocable<void()> wake, Executor* executor)
      : executor_(executor), wake_(std::move(wake)) {}

 private:
  struct Registration {
    std::shared_ptr<storage::PartitionLog> log;
    storage::PartitionLog::WaiterId id = 0;
  };

  // Keeps a registration for cancellation; false if the waiter already fired
  // (the caller then cancels it itself).
  bool Keep(Registration registration);

  Executor* const executor_;
  mutable absl::Mutex mu_;
  bool fired_ ABSL_GUARDED_BY(mu_) = false;
  absl::AnyInvocable<void()> wake_ ABSL_GUARDED_BY(mu_);
  std::vector<Registration> registrations_ ABSL_GUARDED_BY(mu_);
  ShutdownSignal* shutdown_ ABSL_GUARDED_BY(mu_) = nullptr;
  ShutdownSignal::Id shutdown_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::broker

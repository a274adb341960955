#include "service/broker/data_waiter.h"

#include "storage/util/inline_task.h"

namespace eventlog::broker {

std::shared_ptr<DataWaiter> DataWaiter::Create(absl::AnyInvocable<void()> wake,
                                               Executor* executor) {
  return std::make_shared<DataWaiter>(std::move(wake), executor);
}

void DataWaiter::Arm(std::vector<Target> targets, ShutdownSignal* shutdown) {
  if (targets.empty()) {
    Wake();
    return;
  }
  // Callbacks hold a strong reference: a log may run one after the owner has
  // dropped the waiter.
  std::shared_ptr<DataWaiter> self = shared_from_this();
  const ShutdownSignal::Id shutdown_id = shutdown->Register([self] { self->Wake(); });
  if (shutdown_id == 0) {
    Wake();
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (fired_) {
      shutdown->Unregister(shutdown_id);
      return;
    }
    shutdown_ = shutdown;
    shutdown_id_ = shutdown_id;
  }
  for (Target& target : targets) {
    const storage::PartitionLog::WaiterId id =
        target.log->WaitForData(target.offset, [self] { self->Wake(); });
    if (id == 0) {  // Data is there already (or the log closed).
      Wake();
      return;
    }
    if (!Keep(Registration{target.log, id})) {
      target.log->CancelWait(id);
      return;
    }
  }
}

bool DataWaiter::Keep(Registration registration) {
  absl::MutexLock lock(&mu_);
  if (fired_) return false;
  registrations_.push_back(std::move(registration));
  return true;
}

void DataWaiter::Wake() {
  absl::AnyInvocable<void()> wake;
  std::vector<Registration> registrations;
  ShutdownSignal* shutdown = nullptr;
  ShutdownSignal::Id shutdown_id = 0;
  {
    absl::MutexLock lock(&mu_);
    if (fired_) return;
    fired_ = true;
    wake = std::move(wake_);
    registrations.swap(registrations_);
    shutdown = shutdown_;
    shutdown_id = shutdown_id_;
  }
  // Release the other registrations (and the references they hold) before
  // waking; the one that fired, if any, reports false here, which is fine.
  for (Registration& registration : registrations) {
    registration.log->CancelWait(registration.id);
  }
  if (shutdown != nullptr) shutdown->Unregister(shutdown_id);
  if (executor_ != nullptr) {
    // On the group commit thread, one woken reader runs there (see
    // util::InlineTaskScope); the rest on the executor.
    if (!util::InlineTaskScope::TryTake(wake)) executor_->Schedule(std::move(wake));
  } else {
    wake();
  }
}

bool DataWaiter::fired() const {
  absl::MutexLock lock(&mu_);
  return fired_;
}

}  // namespace eventlog::broker

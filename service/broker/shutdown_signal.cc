#include "service/broker/shutdown_signal.h"

#include <utility>

namespace eventlog::broker {

ShutdownSignal::Id ShutdownSignal::Register(absl::AnyInvocable<void()> callback) {
  absl::MutexLock lock(&mu_);
  if (triggered_) return 0;
  const Id id = next_id_++;
  callbacks_.emplace(id, std::move(callback));
  return id;
}

bool ShutdownSignal::Unregister(Id id) {
  absl::MutexLock lock(&mu_);
  return callbacks_.erase(id) > 0;
}

void ShutdownSignal::Trigger() {
  std::map<Id, absl::AnyInvocable<void()>> callbacks;
  {
    absl::MutexLock lock(&mu_);
    if (triggered_) return;
    triggered_ = true;
    callbacks.swap(callbacks_);
  }
  for (auto& [id, callback] : callbacks) callback();
}

bool ShutdownSignal::triggered() const {
  absl::MutexLock lock(&mu_);
  return triggered_;
}

}  // namespace eventlog::broker

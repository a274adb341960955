#include "service/server/delayed_tasks.h"

namespace eventlog::service {

DelayedTasks::DelayedTasks() : thread_([this] { Run(); }) {}

DelayedTasks::~DelayedTasks() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void DelayedTasks::Schedule(absl::Duration delay, absl::AnyInvocable<void() &&> task) {
  absl::MutexLock lock(&mu_);
  tasks_.emplace(absl::Now() + delay, std::move(task));
}

void DelayedTasks::Run() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    if (stopping_) return;
    const absl::Time now = absl::Now();
    if (!tasks_.empty() && tasks_.begin()->first <= now) {
      absl::AnyInvocable<void()&&> task = std::move(tasks_.begin()->second);
      tasks_.erase(tasks_.begin());
      mu_.Unlock();
      std::move(task)();
      mu_.Lock();
      continue;
    }
    const absl::Time until = tasks_.empty() ? now + absl::Seconds(1) : tasks_.begin()->first;
    auto ready = [this, until]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || (!tasks_.empty() && tasks_.begin()->first < until);
    };
    mu_.AwaitWithDeadline(absl::Condition(&ready), until);
  }
}

}  // namespace eventlog::service

#include "storage/periodic_thread.h"

namespace eventlog::storage {

PeriodicThread::PeriodicThread(absl::Duration interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)), thread_([this] { Run(); }) {}

void PeriodicThread::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::Run() {
  absl::MutexLock l(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) {
    mu_.Unlock();
    task_();
    mu_.Lock();
  }
}

}  // namespace eventlog::storage

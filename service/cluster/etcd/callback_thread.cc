#include "service/cluster/etcd/callback_thread.h"

#include <utility>

namespace eventlog::etcd {

CallbackThread::CallbackThread() : thread_([this] { Run(); }) {}

CallbackThread::~CallbackThread() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void CallbackThread::Post(absl::AnyInvocable<void() &&> callback) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(callback));
  ++posted_;
}

void CallbackThread::Drain() {
  if (IsCurrent()) return;
  absl::MutexLock lock(&mu_);
  const uint64_t target = posted_;
  auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return finished_ >= target; };
  mu_.Await(absl::Condition(&done));
}

void CallbackThread::Run() {
  absl::MutexLock lock(&mu_);
  while (true) {
    auto ready = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
    mu_.Await(absl::Condition(&ready));
    if (queue_.empty()) return;  // stopping, nothing left
    absl::AnyInvocable<void()&&> callback = std::move(queue_.front());
    queue_.pop_front();
    mu_.Unlock();
    std::move(callback)();
    mu_.Lock();
    ++finished_;
  }
}

}  // namespace eventlog::etcd

#include "storage/log/ack_waiters.h"

namespace eventlog::storage {

std::vector<AckWaiters::Completion> AckWaiters::TakeReady(int64_t high_watermark) {
  std::vector<Completion> ready;
  absl::MutexLock lock(&mu_);
  auto end = waiting_.lower_bound(high_watermark);  // last offsets below it
  for (auto it = waiting_.begin(); it != end; ++it) {
    ready.push_back([waiter = std::move(it->second)]() mutable { waiter.done(waiter.result); });
  }
  waiting_.erase(waiting_.begin(), end);
  return ready;
}

std::vector<AckWaiters::Completion> AckWaiters::TakeAll(const absl::Status& status) {
  std::vector<Completion> ready;
  absl::MutexLock lock(&mu_);
  for (auto& [offset, waiter] : waiting_) {
    ready.push_back([done = std::move(waiter.done), status]() mutable { done(status); });
  }
  waiting_.clear();
  ++generation_;
  failed_ = status;
  return ready;
}

}  // namespace eventlog::storage

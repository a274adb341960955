// Executor: a few worker threads running short tasks in FIFO order. Parked
// readers (subscriptions, long polls) are woken on the thread that appends
// to a log; the wake-up only schedules their next read here, so a produce
// never pays for its readers' reads.
//
// Thread-safe. Tasks must not block for long: they share a few threads.
// The destructor runs every task already scheduled, then joins the threads;
// tasks scheduled after that (by tasks being drained) still run.
#pragma once

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::broker {

class Executor {
 public:
  // At least one thread.
  explicit Executor(int threads);
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Schedule(absl::AnyInvocable<void()> task);

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace eventlog::broker

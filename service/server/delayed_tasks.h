// DelayedTasks: runs functions after a delay, on one thread of its own (the
// retries of forwarded streams waiting for a partition's leader). A task
// that should not run after its owner is gone captures a weak reference.
//
// Thread-safe. The destructor drops what has not run yet and joins.
#pragma once

#include <cstdint>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eventlog::service {

class DelayedTasks {
 public:
  DelayedTasks();
  ~DelayedTasks();
  DelayedTasks(const DelayedTasks&) = delete;
  DelayedTasks& operator=(const DelayedTasks&) = delete;

  // Runs `task` once `delay` has passed. Tasks must not block for long.
  void Schedule(absl::Duration delay, absl::AnyInvocable<void() &&> task);

 private:
  void Run();

  absl::Mutex mu_;
  // By due time, then order of scheduling.
  std::multimap<absl::Time, absl::AnyInvocable<void() &&>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last
};

}  // namespace eventlog::service

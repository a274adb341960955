// PeriodicThread: runs a task on its own thread every `interval`, until
// destroyed (or Stop()). The store's flusher and cleaner.
//
// Thread-safe.
#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eventlog::storage {

class PeriodicThread {
 public:
  // Starts at once; the first run is one interval from now.
  PeriodicThread(absl::Duration interval, std::function<void()> task);
  ~PeriodicThread() { Stop(); }

  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Waits for a run in progress, then joins. Idempotent.
  void Stop();

 private:
  void Run();

  const absl::Duration interval_;
  const std::function<void()> task_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace eventlog::storage

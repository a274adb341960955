// CompletionGate: lets request completions, which may arrive on any thread
// at any time, reach a listener's io_context only while it is running.
// Completions run their posting step under the gate's lock while it is
// open; Close() waits for any such step and keeps the gate shut, so after it
// returns nothing is posted to the io_context again and it can be stopped
// and destroyed.
//
// Thread-safe.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::kafka {

class CompletionGate {
 public:
  // Runs `post` (which must be quick: it only posts work) if the gate is
  // open; returns whether it ran.
  template <typename F>
  bool RunIfOpen(F&& post) {
    absl::MutexLock lock(&mu_);
    if (!open_) return false;
    post();
    return true;
  }

  void Close() {
    absl::MutexLock lock(&mu_);
    open_ = false;
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
};

}  // namespace eventlog::kafka

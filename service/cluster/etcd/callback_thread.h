// CallbackThread: runs the functions posted to it one at a time, in the order
// posted, on a thread of its own. LeaseKeeper and LeaderElection deliver
// their owner's callbacks through one, so that a slow callback (one that
// re-registers keys in etcd, say) never delays their own timing, and the
// owner's callbacks never run concurrently with each other.
//
// Thread-safe. The destructor runs what is still queued, then joins; it must
// not run on this thread (from a posted function).
#pragma once

#include <cstdint>
#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::etcd {

class CallbackThread {
 public:
  CallbackThread();
  ~CallbackThread();
  CallbackThread(const CallbackThread&) = delete;
  CallbackThread& operator=(const CallbackThread&) = delete;

  void Post(absl::AnyInvocable<void() &&> callback);

  // Blocks until everything posted before this call has run. Returns at
  // once when called from a posted function (which cannot wait for itself).
  void Drain();

  bool IsCurrent() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  // Functions posted, and those that have finished running (for Drain).
  uint64_t posted_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after the fields it uses exist
};

}  // namespace eventlog::etcd

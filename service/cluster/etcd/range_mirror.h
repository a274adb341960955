// RangeMirror: keeps its owner's copy of a key range (a metadata prefix) in
// step with etcd. It reads the range (on_reset: replace your copy with this),
// then watches it from the read's revision + 1 (on_events: apply these
// changes). When compaction cuts the watch off, or etcd cancels it, it reads
// the range again and hands over a fresh copy the same way. The owner thus
// sees every change exactly once, or a new full copy, and converges on
// etcd's state without handling compaction itself.
//
// Thread-safe. on_reset and on_events never run concurrently and never out
// of order (a reset, then the changes after it); they run on the mirror's
// and its watcher's threads, may block and call etcd, may call Stop() but
// must not destroy the mirror.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/cluster/etcd/etcd_client.h"
#include "service/cluster/etcd/etcd_types.h"
#include "service/cluster/etcd/watcher.h"

namespace eventlog::etcd {

struct RangeMirrorOptions {
  KeyRange range;
  // The whole range as of snapshot.revision. Required.
  absl::AnyInvocable<void(const RangeResult& snapshot)> on_reset;
  // Changes after the last reset, in revision order. Required.
  absl::AnyInvocable<void(const std::vector<WatchEvent>& events)> on_events;
};

class RangeMirror {
 public:
  // Reads the range and calls on_reset before returning (on this thread),
  // then follows it in the background. `client` must outlive the mirror.
  // INVALID_ARGUMENT for a missing callback; the errors of
  // EtcdClient::Range (then nothing runs).
  static absl::StatusOr<std::unique_ptr<RangeMirror>> Start(EtcdClient* client,
                                                            RangeMirrorOptions options);

  // Stop()s. Must not run in one of the mirror's callbacks.
  ~RangeMirror();
  RangeMirror(const RangeMirror&) = delete;
  RangeMirror& operator=(const RangeMirror&) = delete;

  // No callback starts after it returns (except that, called from a
  // callback, that callback finishes). Idempotent.
  void Stop();

 private:
  RangeMirror(EtcdClient* client, RangeMirrorOptions options);

  // Reads the range, hands it over and watches from after it.
  absl::Status Reset();
  // Resets whenever the watch ends, until Stop().
  void Run();
  // Runs an owner callback, marking this thread as inside one (for Stop).
  void RunCallback(absl::FunctionRef<void()> callback);

  EtcdClient* const client_;
  RangeMirrorOptions options_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool watch_ended_ ABSL_GUARDED_BY(mu_) = false;
  // Replaced only by the thread that resets (Start's, then Run's).
  std::unique_ptr<Watcher> watcher_;
  // The thread running an owner callback now, if any.
  std::atomic<std::thread::id> callback_thread_{};
  // Serializes joining thread_.
  absl::Mutex join_mu_;
  std::thread thread_;
};

}  // namespace eventlog::etcd

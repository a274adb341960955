// Watcher: follows the changes to a key or a key range from a given
// revision on, on an etcd Watch stream, and hands them to its owner in
// revision order. The usual pattern: read (EtcdClient::Range), apply what was
// read, then watch from the read's revision + 1, so that no change is missed
// or seen twice.
//
// When the stream fails (member down, member lost its raft leader) the
// watcher reopens it, on whichever member is up, from the revision after the
// last one delivered; the owner sees no gap and no repeat. When the revisions
// it needs have been compacted away, it cannot resume: it reports that once
// (on_end, OUT_OF_RANGE) and stops; the owner then reads afresh and starts a
// new watcher from that read's revision + 1.
//
// Thread-safe. Callbacks run one at a time on the watcher's own thread and
// may block (say, to read from etcd) — changes queue up meanwhile. They may
// call Stop() but must not destroy the watcher.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/cluster/etcd/etcd_client.h"
#include "service/cluster/etcd/etcd_types.h"

namespace grpc {
class ClientContext;
}

namespace eventlog::etcd {

// Why a watch ended for good.
struct WatchEnd {
  // OUT_OF_RANGE: the next revision to deliver was compacted away.
  // FAILED_PRECONDITION: etcd cancelled the watch for another reason (its
  // text in the message).
  absl::Status status;
  // With OUT_OF_RANGE: the oldest revision etcd still has.
  int64_t compact_revision = 0;
};

struct WatcherOptions {
  KeyRange range;
  // The first revision to deliver (>= 1), typically a read's revision + 1.
  int64_t start_revision = 0;
  // Changes of one or more revisions, in revision order (those of one
  // transaction arrive together). Required.
  absl::AnyInvocable<void(const std::vector<WatchEvent>& events)> on_events;
  // The watch has ended and delivers nothing more. Optional; not called
  // when Stop() ends it.
  absl::AnyInvocable<void(const WatchEnd& end)> on_end;
};

class Watcher {
 public:
  // Starts watching in the background (the stream opens when a member is
  // reachable). `client` must outlive the watcher. INVALID_ARGUMENT for a
  // start_revision < 1 or a missing on_events.
  static absl::StatusOr<std::unique_ptr<Watcher>> Start(EtcdClient* client, WatcherOptions options);

  // Stop()s. Must not run in one of the watcher's callbacks.
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Ends the watch. No callback starts after it returns (except that, called
  // from a callback, that callback finishes). Idempotent.
  void Stop();

  // The revision the watch goes on from: the last delivered one + 1.
  int64_t next_revision() const;

 private:
  enum class StreamOutcome { kEnded, kFailedAfterProgress, kFailed };

  Watcher(EtcdClient* client, WatcherOptions options);

  void Run();
  // One stream, from next_revision_ until it fails or the watch ends.
  StreamOutcome WatchOnce(grpc::ClientContext* context);
  // Delivers unless stopping; false if stopping.
  bool Deliver(const std::vector<WatchEvent>& events);
  void End(const WatchEnd& end);

  EtcdClient* const client_;
  WatcherOptions options_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_revision_ ABSL_GUARDED_BY(mu_);
  // The open stream's context, to cancel it from Stop().
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Set by the thread itself, for Stop() to tell whether a callback calls.
  std::atomic<std::thread::id> run_thread_id_{};
  // Serializes joining thread_ (Stop() from several threads).
  absl::Mutex join_mu_;
  std::thread thread_;  // started last, by the constructor
};

}  // namespace eventlog::etcd

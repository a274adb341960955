// GroupCommitter: the store-wide sync thread. Appenders with
// Durability::kAll queue their completion here; the thread takes everything
// queued, fsyncs each partition involved once (so concurrent appends share
// one fdatasync), then runs the completions in the order they were queued.
// Between rounds, and at least every `interval_ms`, it runs `periodic` (the
// store's flush of kLeader appends).
//
// Appenders announce a kAll append before writing it (BeginAppend), so a
// round waits for writes already under way (up to kMaxGather) instead of
// syncing the first arrival alone while the next ones are a few
// microseconds from being queued.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "storage/partition_log.h"
#include "storage/syncable.h"

namespace eventlog::storage {

class GroupCommitter {
 public:
  // Starts the thread. `periodic` may be empty; interval_ms <= 0 disables it.
  GroupCommitter(int64_t interval_ms, std::function<void()> periodic);
  ~GroupCommitter();  // Stop()

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs done(result), or done(error) if the fsync fails, once everything
  // `target` wrote before this call is fsynced. Callers must submit a
  // partition's appends in offset order. After Stop(), syncs and completes on
  // the calling thread.
  void Submit(std::shared_ptr<Syncable> target, AppendResult result, AppendCallback done);

  // Brackets a kAll append: BeginAppend before the write; then Submit (which
  // ends it) or, if the append failed, AbandonAppend.
  void BeginAppend();
  void AbandonAppend();

  // Completes what is queued and joins the thread. Idempotent.
  void Stop();

 private:
  struct Request {
    std::shared_ptr<Syncable> target;
    AppendResult result;
    AppendCallback done;
  };

  void Run();
  static void Complete(std::vector<Request>& requests);

  const int64_t interval_ms_;
  const std::function<void()> periodic_;

  absl::Mutex mu_;
  std::vector<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int appends_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace eventlog::storage

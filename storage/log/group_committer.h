// GroupCommitter: the store's commit thread. ACKS_ALL appends queue their
// completion here (Submit); readers waiting on records that are written but
// not yet durable ask for a prompt sync (RequestSync). Each round takes
// everything queued, fsyncs each partition involved once (so concurrent
// appends share one fdatasync; the partitions side by side through a
// ParallelSyncer, so a round over 1,024 partitions costs about one journal
// commit, not 1,024 fsyncs in a row), runs `after_round` (the store checkpoints
// recovery points), then runs the completions in the order they were queued.
//
// Appenders announce an ACKS_ALL append before writing it (BeginAppend), so
// a round waits for writes already under way (up to kMaxGather) instead of
// syncing the first arrival alone while the next ones are a few
// microseconds from being queued.
//
// One reader woken by a round's syncs runs on this thread, before the
// round's completions (util::InlineTaskScope); others go to their executors.
//
// ACKS_LEADER data with nobody waiting is flushed by the store's periodic
// flusher on its own thread, never here, so acknowledgements never wait
// behind it.
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
#include "storage/log/parallel_syncer.h"
#include "storage/log/syncable.h"
#include "storage/partition_log.h"

namespace eventlog::storage {

class GroupCommitter {
 public:
  using RoundHook = std::function<void(const std::vector<Syncable*>& synced)>;

  // Starts the thread. `syncer` must not be null; `after_round` may be empty.
  explicit GroupCommitter(std::shared_ptr<ParallelSyncer> syncer, RoundHook after_round = {});
  ~GroupCommitter();  // Stop()

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs done(result) once everything `target` wrote before this call is
  // durable, or done(error) if the sync fails. Callers submit a partition's
  // appends in offset order. After Stop(), syncs and completes on the
  // calling thread.
  void Submit(std::shared_ptr<Syncable> target, AppendResult result, AppendCallback done);

  // Syncs `target` in the next round (no completion). After Stop(), no-op.
  void RequestSync(std::shared_ptr<Syncable> target);

  // Brackets an ACKS_ALL append: BeginAppend before the write; then Submit
  // (which ends it) or, if the append failed, AbandonAppend.
  void BeginAppend();
  void AbandonAppend();

  // Completes what is queued and joins the thread. Idempotent.
  void Stop();

 private:
  struct Request {
    std::shared_ptr<Syncable> target;
    AppendResult result;
    AppendCallback done;  // empty for RequestSync
  };

  void Run();
  void Complete(std::vector<Request>& requests);

  const std::shared_ptr<ParallelSyncer> syncer_;
  const RoundHook after_round_;

  absl::Mutex mu_;
  std::vector<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int appends_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace eventlog::storage

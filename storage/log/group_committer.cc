#include "storage/log/group_committer.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "storage/log/sync_stats.h"
#include "storage/util/inline_task.h"

namespace eventlog::storage {
namespace {

// How long a round may wait for announced appends to arrive.
constexpr absl::Duration kMaxGather = absl::Microseconds(500);

}  // namespace

GroupCommitter::GroupCommitter(std::shared_ptr<ParallelSyncer> syncer, RoundHook after_round)
    : syncer_(std::move(syncer)),
      after_round_(std::move(after_round)),
      thread_([this] { Run(); }) {}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::Submit(std::shared_ptr<Syncable> target, AppendResult result,
                            AppendCallback done) {
  {
    absl::MutexLock lock(&mu_);
    if (appends_in_flight_ > 0) --appends_in_flight_;
    if (!stopped_) {
      queue_.push_back(Request{std::move(target), result, std::move(done)});
      return;
    }
  }
  absl::Status status = target->SyncWritten();
  if (status.ok()) {
    done(result);
  } else {
    done(status);
  }
}

void GroupCommitter::RequestSync(std::shared_ptr<Syncable> target) {
  absl::MutexLock lock(&mu_);
  if (!stopped_) queue_.push_back(Request{std::move(target), {}, nullptr});
}

void GroupCommitter::BeginAppend() {
  absl::MutexLock lock(&mu_);
  ++appends_in_flight_;
}

void GroupCommitter::AbandonAppend() {
  absl::MutexLock lock(&mu_);
  if (appends_in_flight_ > 0) --appends_in_flight_;
}

void GroupCommitter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      // Another caller is stopping; wait for it.
      mu_.Await(absl::Condition(&stopped_));
      return;
    }
    stopping_ = true;
  }
  thread_.join();
}

void GroupCommitter::Complete(std::vector<Request>& requests) {
  // One sync per distinct partition, all of them before any completion runs.
  absl::flat_hash_map<Syncable*, size_t> index;  // target -> position in targets
  std::vector<Syncable*> targets;
  for (const Request& r : requests) {
    if (index.try_emplace(r.target.get(), targets.size()).second) targets.push_back(r.target.get());
  }
  std::vector<absl::Status> statuses;
  {
    // A reader that these syncs wake (the high watermark moved) may be
    // served right here, once the syncs are done and before the
    // acknowledgements: one thread hand-off fewer on the way from a produce
    // to a tailing subscriber.
    util::InlineTaskScope wakeups;
    statuses = syncer_->SyncAll(targets);
  }
  std::vector<Syncable*> ok;
  ok.reserve(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    if (statuses[i].ok()) ok.push_back(targets[i]);
  }
  if (after_round_ && !ok.empty()) after_round_(ok);
  // Counted before the completions run, so that whoever sees an
  // acknowledgement also sees its round counted.
  int64_t appends = 0;
  for (const Request& r : requests) appends += r.done ? 1 : 0;
  if (appends > 0) SyncStats::Global().RecordGroupCommit(appends);
  for (Request& r : requests) {
    if (!r.done) continue;
    const absl::Status& status = statuses[index.find(r.target.get())->second];
    if (status.ok()) {
      r.done(r.result);
    } else {
      r.done(status);
    }
  }
}

void GroupCommitter::Run() {
  while (true) {
    std::vector<Request> requests;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; };
      mu_.Await(absl::Condition(&ready));
      if (!queue_.empty() && appends_in_flight_ > 0 && !stopping_) {
        auto gathered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return appends_in_flight_ == 0 || stopping_;
        };
        mu_.AwaitWithTimeout(absl::Condition(&gathered), kMaxGather);
      }
      requests.swap(queue_);
      stopping = stopping_;
      if (stopping && requests.empty()) {
        stopped_ = true;  // later Submits complete inline
        return;
      }
    }
    Complete(requests);
  }
}

}  // namespace eventlog::storage

#include "storage/group_committer.h"

#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace eventlog::storage {
namespace {

// How long a round may wait for announced appends to arrive.
constexpr absl::Duration kMaxGather = absl::Microseconds(500);

}  // namespace

GroupCommitter::GroupCommitter(int64_t interval_ms, std::function<void()> periodic)
    : interval_ms_(interval_ms), periodic_(std::move(periodic)), thread_([this] { Run(); }) {}

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
  // One fsync per distinct partition; few partitions per round, so a linear
  // scan beats a hash map.
  std::vector<std::pair<Syncable*, absl::Status>> synced;
  for (Request& r : requests) {
    absl::Status* status = nullptr;
    for (auto& [target, s] : synced) {
      if (target == r.target.get()) status = &s;
    }
    if (status == nullptr) {
      synced.emplace_back(r.target.get(), r.target->SyncWritten());
      status = &synced.back().second;
    }
    if (status->ok()) {
      r.done(r.result);
    } else {
      r.done(*status);
    }
  }
}

void GroupCommitter::Run() {
  const bool has_periodic = periodic_ && interval_ms_ > 0;
  absl::Time next_periodic = absl::Now() + absl::Milliseconds(interval_ms_);
  while (true) {
    std::vector<Request> requests;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; };
      if (has_periodic) {
        mu_.AwaitWithDeadline(absl::Condition(&ready), next_periodic);
      } else {
        mu_.Await(absl::Condition(&ready));
      }
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
    if (!requests.empty()) Complete(requests);
    if (has_periodic && absl::Now() >= next_periodic) {
      periodic_();
      next_periodic = absl::Now() + absl::Milliseconds(interval_ms_);
    }
  }
}

}  // namespace eventlog::storage

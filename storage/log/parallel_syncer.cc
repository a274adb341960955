#include "storage/log/parallel_syncer.h"

#include <algorithm>

namespace eventlog::storage {

ParallelSyncer::ParallelSyncer(int max_threads)
    : max_threads_(static_cast<size_t>(std::max(1, max_threads))) {}

ParallelSyncer::~ParallelSyncer() {
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
}

std::vector<absl::Status> ParallelSyncer::SyncAll(const std::vector<Syncable*>& targets) {
  std::vector<absl::Status> statuses(targets.size());
  if (targets.size() == 1) {
    statuses[0] = targets[0]->SyncWritten();
    return statuses;
  }
  if (targets.empty()) return statuses;
  Call call{&targets, &statuses};
  absl::MutexLock lock(&mu_);
  // The caller is one of the threads at work.
  const size_t wanted = std::min(max_threads_, targets.size()) - 1;
  while (workers_.size() < wanted) workers_.emplace_back([this] { Work(); });
  calls_.push_back(&call);
  Drain(call);
  auto all_finished = [&call] { return call.finished == call.targets->size(); };
  mu_.Await(absl::Condition(&all_finished));
  return statuses;
}

void ParallelSyncer::Drain(Call& call) {
  while (call.next < call.targets->size()) {
    const size_t i = call.next++;
    if (call.next == call.targets->size()) {
      calls_.erase(std::find(calls_.begin(), calls_.end(), &call));
    }
    mu_.Unlock();
    absl::Status status = (*call.targets)[i]->SyncWritten();
    mu_.Lock();
    (*call.statuses)[i] = std::move(status);
    ++call.finished;
  }
}

void ParallelSyncer::Work() {
  absl::MutexLock lock(&mu_);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !calls_.empty();
  };
  while (true) {
    mu_.Await(absl::Condition(&has_work));
    if (calls_.empty()) return;  // stopping
    Drain(*calls_.front());
  }
}

}  // namespace eventlog::storage

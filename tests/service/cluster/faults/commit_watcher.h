// CommitWatcher: reads the group's committed offsets (FetchCommittedOffsets
// through a random broker) every 300 ms and records each as "committed",
// so the checker can see whether they ever go backwards.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/service/cluster/faults/worker.h"

namespace eventlog::testing::faults {

class CommitWatcher : public Worker {
 public:
  CommitWatcher(const std::vector<std::string>& brokers, std::string topic, uint64_t seed,
                History* history)
      : Worker("commits", brokers, seed, history), topic_(std::move(topic)) {}
  ~CommitWatcher() override { Stop(); }

  // The committed offsets read last, by partition.
  std::map<int32_t, int64_t> last() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return last_;
  }
  // Reads them once, on the caller's thread; false if the call failed.
  bool ReadOnce();

 private:
  void Run() override;

  const std::string topic_;
  mutable absl::Mutex mu_;
  std::map<int32_t, int64_t> last_ ABSL_GUARDED_BY(mu_);
  absl::Mutex read_mu_;  // one read at a time, so they are recorded in order
};

}  // namespace eventlog::testing::faults

// Subscriber: reads one partition with explicit Subscribe streams through
// random brokers, each session a few seconds long (so that one through a
// cut-off broker ends), resuming at the offset after the last record it
// got. Every record goes into the history as "read" by "sub-<partition>".
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/service/cluster/faults/worker.h"

namespace eventlog::testing::faults {

class Subscriber : public Worker {
 public:
  Subscriber(const std::vector<std::string>& brokers, std::string topic, int32_t partition,
             uint64_t seed, History* history)
      : Worker(absl::StrCat("sub-", partition), brokers, seed, history),
        topic_(std::move(topic)),
        partition_(partition) {}
  ~Subscriber() override { Stop(); }

  // The offset it reads next.
  int64_t next() const { return next_.load(); }

 private:
  void Run() override;

  const std::string topic_;
  const int32_t partition_;
  std::atomic<int64_t> next_{0};
};

}  // namespace eventlog::testing::faults

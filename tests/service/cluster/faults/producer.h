// Producer: ACKS_ALL keyed records, one per request, each through a random
// broker (which forwards it to the leader), one request at a time; every
// outcome goes into the history. Values name the producer, key and
// sequence number, so each is unique.
#pragma once

#include <string>
#include <vector>

#include "tests/service/cluster/faults/worker.h"

namespace eventlog::testing::faults {

class Producer : public Worker {
 public:
  Producer(std::string name, const std::vector<std::string>& brokers, std::string topic,
           uint64_t seed, History* history)
      : Worker(std::move(name), brokers, seed, history), topic_(std::move(topic)) {}
  ~Producer() override { Stop(); }

 private:
  void Run() override;

  const std::string topic_;
};

}  // namespace eventlog::testing::faults

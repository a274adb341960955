// Nemesis: the fault loop's faults, drawn at random from the run's seed, one
// at a time with a pause between them:
// - kill: SIGKILL a broker, start it again 0.5-3 s later on its data;
// - with a NetworkLab (root):
//   - isolate: a broker's link down for 2-6 s (clients, etcd and the other
//     brokers lose it, it loses them);
//   - etcd: a broker cut off from etcd only for 2-6 s (it keeps its clients
//     and the other brokers: the split-brain case);
//   - split: two brokers cut off from each other for 2-6 s.
// Every fault and heal is a "note" in the history. The seed fixes the
// sequence of faults, not the timing of the clients around them.
//
// Not thread-safe: one thread runs it (the one that made the NetworkLab).
#pragma once

#include <random>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/faults/history.h"
#include "tests/service/cluster/network_lab.h"

namespace eventlog::testing::faults {

class Nemesis {
 public:
  // Brokers are nodes 1..3 of `lab` and etcd node 0; `lab` may be null
  // (kills only). All must outlive the nemesis.
  Nemesis(BrokerCluster* cluster, NetworkLab* lab, uint64_t seed, History* history)
      : cluster_(cluster), lab_(lab), random_(seed), history_(history) {}

  // Faults for `duration`, then every link healed and every broker running.
  absl::Status Run(absl::Duration duration);
  int faults() const { return faults_; }

 private:
  absl::Duration Between(double low_s, double high_s);
  int AnyBroker();
  // One fault, healed before it returns.
  absl::Status Fault();
  absl::Status HealEverything();

  BrokerCluster* const cluster_;
  NetworkLab* const lab_;
  std::mt19937_64 random_;
  History* const history_;
  int faults_ = 0;
};

}  // namespace eventlog::testing::faults

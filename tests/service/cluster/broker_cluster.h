// BrokerCluster: a real eventlog cluster for tests (docs/CLUSTER.md): an
// EtcdCluster of 1 or 3 members and N eventlogd processes ($EVENTLOGD) on
// 127.0.0.1, each with its own data directory in a temp dir and its stderr
// in <temp dir>/broker-<id>.log. Broker i (0-based) has broker id i + 1 and
// keeps the port it first got across restarts, so clients and the other
// brokers find it again. Brokers can be killed (SIGKILL), stopped (SIGTERM)
// and started again on their data; everything is killed on destruction.
//
// Used by the C++ cluster tests and, through cluster_harness (a command
// driven over stdin), by the Python ones.
//
// Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/e2e/eventlogd_process.h"
#include "tests/service/cluster/etcd_cluster.h"
#include "tests/temp_dir.h"

namespace eventlog::testing {

struct BrokerClusterOptions {
  int etcd_members = 1;
  int brokers = 3;
  // Short, so that deaths are noticed quickly (etcd's minimum is about 2).
  int lease_ttl_seconds = 2;
  // More flags for every broker.
  std::vector<std::string> flags;
  // Where the processes run (e.g. on a NetworkLab's nodes): etcd's address
  // and network namespace (a path for nsenter --net=; empty: the test's
  // own), and each broker's (empty vectors: 127.0.0.1 here). One etcd
  // member only when etcd_host is set.
  std::string etcd_host;
  std::string etcd_netns;
  std::vector<std::string> broker_hosts;
  std::vector<std::string> broker_netns;
};

class BrokerCluster {
 public:
  // Starts etcd, then the brokers one after the other, and waits until
  // every broker sees all of them registered and a controller.
  static absl::StatusOr<std::unique_ptr<BrokerCluster>> Start(
      const BrokerClusterOptions& options = {});

  ~BrokerCluster();
  BrokerCluster(const BrokerCluster&) = delete;
  BrokerCluster& operator=(const BrokerCluster&) = delete;

  EtcdCluster& etcd() { return *etcd_; }
  int size() const { return static_cast<int>(brokers_.size()); }
  static int32_t BrokerId(int index) { return index + 1; }
  // HOST:PORT of broker `index`, the same across restarts.
  const std::string& address(int index) const { return brokers_[index].address; }
  // HOST:PORT of a running broker's HTTP listener (options.flags has
  // --http_listen=127.0.0.1:0); "" otherwise. It changes across restarts.
  std::string http_address(int index) const {
    return brokers_[index].process == nullptr ? "" : brokers_[index].process->http_address();
  }
  // HOST:PORT of a running broker's Kafka listener (options.flags has
  // --kafka_listen=127.0.0.1:0); "" otherwise. It changes across restarts.
  std::string kafka_address(int index) const {
    return brokers_[index].process == nullptr ? "" : brokers_[index].process->kafka_address();
  }
  // Every broker's address, "A,B,C" (a client's server list).
  std::string addresses() const;
  bool running(int index) const { return brokers_[index].process != nullptr; }
  const std::string& log_path(int index) const { return brokers_[index].log; }
  const std::string& data_dir(int index) const { return brokers_[index].data_dir; }
  // The last `lines` lines of every broker's log, for a failing test.
  std::string LogTails(int lines = 40) const;

  // SIGKILL: a crash.
  void KillBroker(int index);
  // A running broker's pid, -1 otherwise.
  pid_t pid(int index) const {
    return brokers_[index].process == nullptr ? -1 : brokers_[index].process->pid();
  }
  // SIGTERM; its exit status.
  absl::StatusOr<int> StopBroker(int index);
  // Starts a stopped or killed broker on its data directory and port.
  absl::Status StartBroker(int index);
  // The etcd endpoints broker `index` dials from its next start on (e.g. a
  // TcpProxy's, to cut it off); empty: etcd's own.
  void SetEtcdEndpoints(int index, std::string endpoints) {
    brokers_[index].etcd_endpoints = std::move(endpoints);
  }

  // Waits until every running broker lists exactly the running brokers
  // (GetMetadata) and names a running controller; DEADLINE_EXCEEDED after
  // `timeout` (a safety net, not a timed assertion).
  absl::Status WaitForMembership(absl::Duration timeout = absl::Seconds(30));

 private:
  struct Broker {
    std::string data_dir;
    std::string log;
    std::string address;         // empty until first started
    std::string etcd_endpoints;  // empty: etcd's own
    std::unique_ptr<EventlogdProcess> process;
  };

  BrokerCluster() = default;

  BrokerClusterOptions options_;
  TempDir dir_;
  std::unique_ptr<EtcdCluster> etcd_;
  std::vector<Broker> brokers_;
};

}  // namespace eventlog::testing

// NetworkLab: a private network of Linux network namespaces for the fault
// tests (docs/CLUSTER.md, "Fault tests"): one namespace per node (etcd, each
// broker), all bridged in a hub namespace, and a veth from the test's own
// namespace onto the bridge so that the test's clients reach every node.
// Links can be cut and healed while processes run:
// - Isolate(node): the node's cable is unplugged (its link on the bridge is
//   set down): it reaches nobody and nobody reaches it; packets are dropped,
//   connections stall as in a real partition (no resets).
// - Cut(a, b): packets between two nodes are dropped (iptables in both
//   namespaces), everything else still flows; kNodeHost names the test's
//   own end (the clients).
// - HealAll(): every link up, every rule gone.
//
// Each namespace is held by a child process of the test (unshare + pause)
// that dies with the test (PR_SET_PDEATHSIG), so the namespaces, their
// links and the test's veth vanish on every exit path, a crash or SIGKILL
// included; the destructor kills them too. The subnet is a /24 of
// 198.18.0.0/15 (RFC 2544, benchmarking) not already on an interface here,
// chosen under a lock so that concurrent tests do not share one.
//
// Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN), iproute2, iptables and nsenter;
// Create() says FAILED_PRECONDITION when the machine does not allow it, and
// the tests skip with that message.
//
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eventlog::testing {

class NetworkLab {
 public:
  static constexpr int kNodeHost = -1;

  // Namespaces for `nodes` nodes, each with one address; FAILED_PRECONDITION
  // when namespaces cannot be made here (not root, no tools).
  static absl::StatusOr<std::unique_ptr<NetworkLab>> Create(int nodes);

  ~NetworkLab();
  NetworkLab(const NetworkLab&) = delete;
  NetworkLab& operator=(const NetworkLab&) = delete;

  int size() const { return static_cast<int>(nodes_.size()); }
  // The IPv4 address of node `node` (kNodeHost: the test's end).
  std::string ip(int node) const;
  // The namespace file a process joins to run on node `node`
  // (/proc/PID/ns/net; for nsenter --net=...).
  std::string netns(int node) const;

  absl::Status Isolate(int node);
  absl::Status Reconnect(int node);
  // Drops packets between nodes `a` and `b` (either may be kNodeHost).
  absl::Status Cut(int a, int b);
  // Every node reconnected, every Cut undone.
  absl::Status HealAll();

 private:
  struct Holder {
    pid_t pid = -1;
  };

  NetworkLab() = default;
  static absl::StatusOr<pid_t> SpawnHolder();
  // Runs `args` (args[0] a path) in node `node`'s namespace (kNodeHost: here);
  // INTERNAL with its stderr when it fails.
  absl::Status Run(int node, std::vector<std::string> args);
  absl::Status RunInHub(std::vector<std::string> args);
  absl::Status Build(int nodes);

  std::string subnet_;  // "198.18.N.", addresses append the last byte
  std::string host_link_;
  Holder hub_;
  std::vector<Holder> nodes_;
};

}  // namespace eventlog::testing

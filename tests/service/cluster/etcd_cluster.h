// EtcdCluster: real etcd members (Debian's etcd-server, or $ETCD) for the
// cluster tests: 1 or 3 members on free 127.0.0.1 ports, data in a temp dir,
// started and waited for until they serve; members can be killed (SIGKILL)
// and restarted on their data; everything is killed and removed on
// destruction. Members log to <temp dir>/<name>.log.
//
// Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/child_process.h"
#include "tests/temp_dir.h"

namespace eventlog::testing {

class EtcdCluster {
 public:
  // Starts `members` members and waits until they have a leader and serve.
  // FAILED_PRECONDITION if there is no etcd binary.
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(int members);
  // The same on address `host` (every member), run in the network namespace
  // `netns` (a path for nsenter --net=; empty: the test's own).
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(int members, const std::string& host,
                                                            const std::string& netns);

  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  // Every member's client address, "127.0.0.1:P1,127.0.0.1:P2,...".
  std::string endpoints() const;
  std::string endpoint(int member) const;

  // SIGKILL, and waits until the process is gone.
  void Kill(int member);
  // Starts a killed member again on its data and ports, and waits until the
  // running members (it included) have a leader and serve.
  absl::Status Restart(int member);

  // Waits until every running member knows the same leader, a running
  // one, and serves a linearizable read; DEADLINE_EXCEEDED after `timeout`.
  absl::Status WaitHealthy(absl::Duration timeout = absl::Seconds(30));

  // The index of the member the running members agree leads the raft group.
  absl::StatusOr<int> LeaderIndex();

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::unique_ptr<ChildProcess> process;  // null while killed
  };

  EtcdCluster() = default;
  void Launch(Member& member);
  // The index of the leader every running member reports, or why not.
  absl::StatusOr<int> AgreedLeader();
  // OK once every running member serves a linearizable read.
  absl::Status ServesReads();

  TempDir dir_;
  std::string etcd_path_;
  std::string host_ = "127.0.0.1";
  std::string netns_;
  std::string initial_cluster_;
  std::vector<Member> members_;
};

}  // namespace eventlog::testing

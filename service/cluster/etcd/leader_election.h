// LeaderElection: makes one of several candidates (brokers) the leader of a
// well-known key, such as the cluster controller's, through etcd.
//
// A candidate holds a lease of its own (LeaseKeeper) and campaigns with a
// compare-and-create transaction: if the key does not exist, put it with the
// candidate's value, bound to the lease. The winner leads until its key goes:
// it resigns (its lease is revoked), its lease is lost (a crash, a partition
// longer than the TTL), or someone deletes the key. The others watch the key
// and campaign again when it is deleted, so a new leader follows within about
// one TTL of a crash, at once after a resignation. A candidate whose lease was
// lost campaigns again with its new lease.
//
// Fencing: a deposed leader may learn of its loss late. Each leadership has
// the key's create revision, unique and growing with every new leader; the
// leader adds Leadership::StillLeader() to the compares of every transaction
// it makes, so that its writes fail once another candidate has won.
//
// Thread-safe. on_elected / on_lost run on the election's own thread, one at
// a time, alternately; they may block and call etcd, but must not call
// Resign() or destroy the election.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "service/cluster/etcd/etcd_client.h"
#include "service/cluster/etcd/etcd_types.h"
#include "service/cluster/etcd/lease_keeper.h"

namespace eventlog::etcd {

// One candidate's term as leader.
struct Leadership {
  std::string key;
  std::string value;
  // The revision that created the key: this term's number.
  int64_t create_revision = 0;
  int64_t lease = 0;

  // Holds for as long as this term lasts.
  Compare StillLeader() const {
    return Compare::CreateRevision(key, Compare::Op::kEqual, create_revision);
  }
};

struct LeaderElectionOptions {
  // The election's key, the same for every candidate ("/eventlog/controller").
  std::string key;
  // This candidate's identity, what ReadLeader() returns while it leads.
  std::string value;
  // Of the candidate's lease: how long a crashed leader keeps the key.
  int64_t lease_ttl_seconds = 5;
  // This candidate has become leader.
  absl::AnyInvocable<void(const Leadership& leadership)> on_elected;
  // It no longer is (after on_elected only): stop acting as leader.
  absl::AnyInvocable<void(const Leadership& leadership)> on_lost;
};

class LeaderElection {
 public:
  // `client` must outlive the election. INVALID_ARGUMENT for an empty key or
  // a lease_ttl_seconds < 1.
  static absl::StatusOr<std::unique_ptr<LeaderElection>> Create(EtcdClient* client,
                                                                LeaderElectionOptions options);

  // Resign()s.
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Grants the candidate's lease (blocking; the errors of
  // EtcdClient::GrantLease) and campaigns in the background from then on.
  // FAILED_PRECONDITION if already campaigning.
  absl::Status Campaign();

  // Stops campaigning. A leader stops leading (on_lost runs) and revokes
  // its lease, which deletes the key so that another candidate wins at
  // once; the revoke's error is returned (the key then goes with the TTL).
  // Blocks until done. Idempotent; Campaign() may follow.
  absl::Status Resign();

  // The current term if this candidate leads.
  std::optional<Leadership> leadership() const;

  // Who leads `key` now (the winner's key-value: value, create revision,
  // lease), or nullopt if nobody does. For any process, candidate or not.
  static absl::StatusOr<std::optional<KeyValue>> ReadLeader(EtcdClient& client,
                                                            absl::string_view key);

 private:
  // What a campaign transaction found.
  struct Attempt {
    std::optional<Leadership> won;
    int64_t revision = 0;  // of the transaction: watch from revision + 1
  };
  enum class WaitEnd { kStopping, kKeyEvent, kLeaseChanged, kWatchEnded };

  LeaderElection(EtcdClient* client, LeaderElectionOptions options);

  void Run();
  absl::StatusOr<Attempt> TryToWin(int64_t lease);
  void Lead(const Leadership& leadership, uint64_t lease_generation);
  // Watches the key from `from_revision` until an event `ends_wait` accepts,
  // a lease change, the end of the watch or Resign().
  WaitEnd WaitOnKey(int64_t from_revision, uint64_t lease_generation,
                    absl::FunctionRef<bool(const WatchEvent&)> ends_wait);
  // Sleeps `pause` unless stopping or the lease changes first.
  void Pause(absl::Duration pause, uint64_t lease_generation);
  void OnLeaseChanged();

  EtcdClient* const client_;
  LeaderElectionOptions options_;

  // Serializes Campaign() and Resign().
  absl::Mutex lifecycle_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Counts lease losses and grants, so that waits notice them.
  uint64_t lease_generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by the current wait's watcher.
  bool key_event_ ABSL_GUARDED_BY(mu_) = false;
  bool watch_ended_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<Leadership> leadership_ ABSL_GUARDED_BY(mu_);

  // Last: destroyed first, so that its callbacks never outlive mu_.
  std::unique_ptr<LeaseKeeper> keeper_;
};

}  // namespace eventlog::etcd

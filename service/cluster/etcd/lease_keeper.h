// LeaseKeeper: holds an etcd lease for its owner (a broker's registration,
// a controller candidacy) for as long as the owner runs. It refreshes the
// lease on a LeaseKeepAlive stream about three times per TTL, reopens the
// stream on another member when one fails, and when the lease is lost
// anyway grants a new one and tells the owner, who then binds its keys to
// the new lease.
//
// The lease counts as lost when etcd answers a refresh with TTL 0 (it
// expired or was revoked), or when no refresh has been acknowledged for a
// whole TTL (counted from the sending of the last acknowledged request, so
// the keeper never believes in a lease etcd may have dropped). A lease lost
// to the second rule is revoked, in case etcd still has it, so that its keys
// go at once rather than linger beside the new lease's.
//
// Thread-safe. Owner callbacks run one at a time on a thread of the keeper's
// own (never while a keepalive waits on them); they may call etcd and
// Start()/Stop(), but must not destroy the keeper.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/cluster/etcd/callback_thread.h"
#include "service/cluster/etcd/etcd_client.h"

namespace eventlog::etcd {

class LeaseKeepAliveStream;

struct LeaseKeeperOptions {
  // Asked of etcd for every lease (it may grant more: its minimum).
  int64_t ttl_seconds = 5;
  // The lease was lost: its keys are gone, or go within a TTL. A new lease
  // is being granted (on_granted follows).
  absl::AnyInvocable<void(int64_t lost_lease)> on_lost;
  // A new lease replaces a lost one: bind the owner's keys to it. Not called
  // for the lease Start() returns.
  absl::AnyInvocable<void(int64_t new_lease)> on_granted;
  // Stop() revokes the lease, deleting its keys at once. Without, they stay
  // until the TTL runs out (as if the owner had crashed).
  bool revoke_on_stop = true;
};

class LeaseKeeper {
 public:
  // `client` must outlive the keeper. INVALID_ARGUMENT if ttl_seconds < 1.
  static absl::StatusOr<std::unique_ptr<LeaseKeeper>> Create(EtcdClient* client,
                                                             LeaseKeeperOptions options);

  // Stop()s. Must not run in one of the keeper's callbacks.
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Grants a lease (blocking, up to the client's call_timeout) and keeps it
  // alive from then on; returns its id. FAILED_PRECONDITION if running; the
  // errors of EtcdClient::GrantLease (then nothing runs).
  absl::StatusOr<int64_t> Start();

  // Stops keeping the lease alive and, with revoke_on_stop, revokes it.
  // Blocks until the keeper's thread has ended (up to a call_timeout, if it
  // is granting or revoking a lease just then) and, unless called from a
  // callback, the callbacks already due have run; none run afterwards.
  // Returns the revoke's error, if any. Idempotent; Start() may follow.
  absl::Status Stop();

  // The lease kept alive now; 0 when there is none (stopped, or lost and not
  // yet replaced).
  int64_t lease_id() const;
  // The TTL etcd granted the current lease; 0 when there is none.
  int64_t ttl_seconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  enum class Action { kStop, kGrant, kLost, kOpenStream, kCloseStream, kSend };

  LeaseKeeper(EtcdClient* client, LeaseKeeperOptions options);

  void Run();
  // Waits until there is something to do and says what.
  Action NextAction(bool have_stream) ABSL_LOCKS_EXCLUDED(mu_);
  void Grant();
  void DeclareLost();
  std::unique_ptr<LeaseKeepAliveStream> OpenStream();
  void CloseStream(std::unique_ptr<LeaseKeepAliveStream> stream);
  void SendKeepAlive(LeaseKeepAliveStream& stream);
  void AdoptLease(int64_t id, int64_t ttl_seconds, Clock::time_point asked_at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Stream callbacks (gRPC threads).
  void OnKeepAliveResponse(int64_t lease, int64_t ttl_seconds);
  void OnStreamBroken();
  void OnStreamDone();

  // Passes one stream's reactions to the keeper until the keeper gives the
  // stream up (CloseStream: its cancellation did not finish in time); after
  // that they go nowhere, so a stream gRPC finishes late (or never) cannot
  // reach a keeper that moved on or is gone.
  struct StreamRelay {
    absl::Mutex mu;  // taken before the keeper's mu_
    LeaseKeeper* keeper ABSL_GUARDED_BY(mu) = nullptr;
    bool done ABSL_GUARDED_BY(mu) = false;  // gRPC is done with the stream
  };
  struct AbandonedStream {
    std::unique_ptr<LeaseKeepAliveStream> stream;
    std::shared_ptr<StreamRelay> relay;
  };
  // Destroys the abandoned streams gRPC is done with (keeper thread).
  void SweepAbandoned();

  EtcdClient* const client_;
  LeaseKeeperOptions options_;
  CallbackThread callbacks_;

  // Serializes Start() and Stop(); held while they block.
  absl::Mutex lifecycle_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t lease_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t ttl_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  // etcd said the lease is gone (TTL 0).
  bool lease_gone_ ABSL_GUARDED_BY(mu_) = false;
  // Until then etcd surely still has the lease.
  Clock::time_point expires_at_ ABSL_GUARDED_BY(mu_);
  Clock::duration refresh_interval_ ABSL_GUARDED_BY(mu_){};
  Clock::time_point next_refresh_at_ ABSL_GUARDED_BY(mu_);
  // A request is unanswered; it was sent at sent_at_.
  bool awaiting_ack_ ABSL_GUARDED_BY(mu_) = false;
  Clock::time_point sent_at_ ABSL_GUARDED_BY(mu_);
  // Since when Send() has been refused (the previous write not completed).
  std::optional<Clock::time_point> unsent_since_ ABSL_GUARDED_BY(mu_);
  Clock::time_point grant_retry_at_ ABSL_GUARDED_BY(mu_);
  absl::Duration grant_pause_ ABSL_GUARDED_BY(mu_);
  Clock::time_point reopen_at_ ABSL_GUARDED_BY(mu_);
  absl::Duration reopen_pause_ ABSL_GUARDED_BY(mu_);
  // Of the current stream.
  bool stream_broken_ ABSL_GUARDED_BY(mu_) = false;
  bool stream_done_ ABSL_GUARDED_BY(mu_) = false;

  // The keeper thread's own: the current stream's relay, and the streams it
  // gave up before gRPC was done with them.
  std::shared_ptr<StreamRelay> relay_;
  std::vector<AbandonedStream> abandoned_;
};

}  // namespace eventlog::etcd

#include "service/cluster/etcd/lease_keeper.h"

#include <algorithm>
#include <utility>

#include "service/cluster/etcd/lease_keep_alive_stream.h"
#include "service/cluster/etcd/retry_pause.h"

namespace eventlog::etcd {
namespace {

constexpr absl::Duration kMaxLeasePause = absl::Seconds(1);
// How long CloseStream waits for gRPC to finish a cancelled stream.
constexpr std::chrono::seconds kCloseWait(1);

}  // namespace

absl::StatusOr<std::unique_ptr<LeaseKeeper>> LeaseKeeper::Create(EtcdClient* client,
                                                                 LeaseKeeperOptions options) {
  if (options.ttl_seconds < 1) {
    return absl::InvalidArgumentError("lease keeper: ttl_seconds must be at least 1");
  }
  return std::unique_ptr<LeaseKeeper>(new LeaseKeeper(client, std::move(options)));
}

LeaseKeeper::LeaseKeeper(EtcdClient* client, LeaseKeeperOptions options)
    : client_(client), options_(std::move(options)) {
  if (!options_.on_lost) options_.on_lost = [](int64_t) {};
  if (!options_.on_granted) options_.on_granted = [](int64_t) {};
}

LeaseKeeper::~LeaseKeeper() { Stop().IgnoreError(); }

absl::StatusOr<int64_t> LeaseKeeper::Start() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (thread_.joinable()) return absl::FailedPreconditionError("lease keeper already started");
  const Clock::time_point asked_at = Clock::now();
  absl::StatusOr<GrantedLease> granted = client_->GrantLease(options_.ttl_seconds);
  if (!granted.ok()) return granted.status();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
    AdoptLease(granted->id, granted->ttl_seconds, asked_at);
    reopen_at_ = Clock::now();
    reopen_pause_ = absl::ZeroDuration();
  }
  thread_ = std::thread([this] { Run(); });
  return granted->id;
}

absl::Status LeaseKeeper::Stop() {
  int64_t lease;
  {
    absl::MutexLock lifecycle(&lifecycle_mu_);
    if (!thread_.joinable()) return absl::OkStatus();
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      changed_.Signal();
    }
    thread_.join();
    absl::MutexLock lock(&mu_);
    lease = std::exchange(lease_, 0);
    ttl_seconds_ = 0;
  }
  // Outside lifecycle_mu_: a callback still due may call Start() or Stop().
  callbacks_.Drain();
  if (!options_.revoke_on_stop || lease == 0) return absl::OkStatus();
  absl::Status revoked = client_->RevokeLease(lease);
  return revoked.code() == absl::StatusCode::kNotFound ? absl::OkStatus() : revoked;
}

int64_t LeaseKeeper::lease_id() const {
  absl::MutexLock lock(&mu_);
  return lease_;
}

int64_t LeaseKeeper::ttl_seconds() const {
  absl::MutexLock lock(&mu_);
  return ttl_seconds_;
}

void LeaseKeeper::AdoptLease(int64_t id, int64_t ttl_seconds, Clock::time_point asked_at) {
  lease_ = id;
  ttl_seconds_ = ttl_seconds;
  lease_gone_ = false;
  awaiting_ack_ = false;
  // Counted from before the grant was asked for: etcd started the TTL later.
  expires_at_ = asked_at + std::chrono::seconds(ttl_seconds);
  refresh_interval_ = Clock::duration(std::chrono::seconds(ttl_seconds)) / 3;
  next_refresh_at_ = Clock::now() + refresh_interval_;
  grant_pause_ = absl::ZeroDuration();
}

void LeaseKeeper::Run() {
  std::unique_ptr<LeaseKeepAliveStream> stream;
  while (true) {
    SweepAbandoned();
    switch (NextAction(stream != nullptr)) {
      case Action::kStop:
        if (stream) CloseStream(std::move(stream));
        SweepAbandoned();
        // gRPC may still finish these; their relays lead nowhere, so they
        // are left to it (leaked) rather than destroyed under it.
        for (AbandonedStream& abandoned : abandoned_) (void)abandoned.stream.release();
        abandoned_.clear();
        return;
      case Action::kGrant:
        Grant();
        break;
      case Action::kLost:
        DeclareLost();
        break;
      case Action::kOpenStream:
        stream = OpenStream();
        break;
      case Action::kCloseStream:
        CloseStream(std::move(stream));
        break;
      case Action::kSend:
        SendKeepAlive(*stream);
        break;
    }
  }
}

LeaseKeeper::Action LeaseKeeper::NextAction(bool have_stream) {
  absl::MutexLock lock(&mu_);
  while (true) {
    const Clock::time_point now = Clock::now();
    Clock::time_point wake;
    if (stopping_) return Action::kStop;
    if (have_stream && stream_broken_) return Action::kCloseStream;
    if (lease_ == 0) {
      if (now >= grant_retry_at_) return Action::kGrant;
      wake = grant_retry_at_;
    } else if (lease_gone_ || now >= expires_at_) {
      return Action::kLost;
    } else if (!have_stream) {
      if (now >= reopen_at_) return Action::kOpenStream;
      wake = std::min(reopen_at_, expires_at_);
    } else if (awaiting_ack_) {
      // An answer this late means a stuck stream: try another.
      if (now >= sent_at_ + refresh_interval_) return Action::kCloseStream;
      wake = std::min(sent_at_ + refresh_interval_, expires_at_);
    } else if (unsent_since_ && now >= *unsent_since_ + refresh_interval_) {
      return Action::kCloseStream;  // cannot even write
    } else {
      if (now >= next_refresh_at_) return Action::kSend;
      wake = std::min(next_refresh_at_, expires_at_);
    }
    changed_.WaitWithTimeout(&mu_, absl::FromChrono(wake - now));
  }
}

void LeaseKeeper::Grant() {
  const Clock::time_point asked_at = Clock::now();
  absl::StatusOr<GrantedLease> granted = client_->GrantLease(options_.ttl_seconds);
  absl::MutexLock lock(&mu_);
  if (!granted.ok()) {
    grant_pause_ = NextRetryPause(grant_pause_, kMaxLeasePause);
    grant_retry_at_ = Clock::now() + absl::ToChronoNanoseconds(grant_pause_);
    return;
  }
  AdoptLease(granted->id, granted->ttl_seconds, asked_at);
  callbacks_.Post([this, id = granted->id] { options_.on_granted(id); });
}

void LeaseKeeper::DeclareLost() {
  int64_t lost;
  bool maybe_alive;
  {
    absl::MutexLock lock(&mu_);
    lost = std::exchange(lease_, 0);
    ttl_seconds_ = 0;
    maybe_alive = !lease_gone_;
    awaiting_ack_ = false;
    grant_retry_at_ = Clock::now();
  }
  // The owner first: it must stop relying on the lease at once.
  callbacks_.Post([this, lost] { options_.on_lost(lost); });
  // Best effort: fails too if etcd is out of reach, and then the lease
  // expires there on its own.
  if (maybe_alive) client_->RevokeLease(lost).IgnoreError();
}

std::unique_ptr<LeaseKeepAliveStream> LeaseKeeper::OpenStream() {
  {
    absl::MutexLock lock(&mu_);
    stream_broken_ = false;
    stream_done_ = false;
    awaiting_ack_ = false;
    unsent_since_.reset();
    // Refresh at once on the new stream: the last request may have been lost.
    next_refresh_at_ = Clock::now();
  }
  relay_ = std::make_shared<StreamRelay>();
  {
    absl::MutexLock lock(&relay_->mu);
    relay_->keeper = this;
  }
  // Each reaction holds the relay on its own stack: once told the stream is
  // done, the keeper destroys the stream, these lambdas and their captures
  // with it, while the reaction is still unlocking.
  LeaseKeepAliveStream::Listener listener;
  listener.on_response = [relay = relay_](int64_t lease, int64_t ttl) {
    const std::shared_ptr<StreamRelay> hold = relay;
    absl::MutexLock lock(&hold->mu);
    if (hold->keeper != nullptr) hold->keeper->OnKeepAliveResponse(lease, ttl);
  };
  listener.on_broken = [relay = relay_] {
    const std::shared_ptr<StreamRelay> hold = relay;
    absl::MutexLock lock(&hold->mu);
    if (hold->keeper != nullptr) hold->keeper->OnStreamBroken();
  };
  listener.on_done = [relay = relay_] {
    const std::shared_ptr<StreamRelay> hold = relay;
    absl::MutexLock lock(&hold->mu);
    hold->done = true;
    if (hold->keeper != nullptr) hold->keeper->OnStreamDone();
  };
  return std::make_unique<LeaseKeepAliveStream>(client_->connection(), std::move(listener));
}

void LeaseKeeper::CloseStream(std::unique_ptr<LeaseKeepAliveStream> stream) {
  stream->Close();
  bool done;
  {
    absl::MutexLock lock(&mu_);
    // gRPC finishes a cancelled stream at once, on one of its threads; when
    // they are all held (by handlers blocked on replication during a
    // partition, found by fault_loop), not before one is free. Waiting for
    // it would stop the keepalives and, worse, the declaration of the
    // lease's loss: this broker would go on leading on a lease etcd
    // dropped. So wait a moment, never past the lease's expiry, and give
    // the stream up if it is not finished by then.
    Clock::time_point limit = Clock::now() + kCloseWait;
    if (lease_ != 0) limit = std::min(limit, expires_at_);
    done = mu_.AwaitWithTimeout(absl::Condition(&stream_done_),
                                absl::FromChrono(limit - Clock::now()));
    reopen_pause_ = NextRetryPause(reopen_pause_, kMaxLeasePause);
    reopen_at_ = Clock::now() + absl::ToChronoNanoseconds(reopen_pause_);
  }
  if (!done) {
    {
      absl::MutexLock lock(&relay_->mu);
      relay_->keeper = nullptr;
    }
    abandoned_.push_back(AbandonedStream{std::move(stream), relay_});
  }
  relay_.reset();
  // A finished `stream` is destroyed here, after gRPC is done with it.
}

void LeaseKeeper::SweepAbandoned() {
  for (auto it = abandoned_.begin(); it != abandoned_.end();) {
    bool done;
    {
      absl::MutexLock lock(&it->relay->mu);
      done = it->relay->done;
    }
    it = done ? abandoned_.erase(it) : std::next(it);
  }
}

void LeaseKeeper::SendKeepAlive(LeaseKeepAliveStream& stream) {
  int64_t lease;
  {
    // Before sending: the answer may come before Send() returns.
    absl::MutexLock lock(&mu_);
    lease = lease_;
    awaiting_ack_ = true;
    sent_at_ = Clock::now();
    next_refresh_at_ = sent_at_ + refresh_interval_;
  }
  const bool sent = stream.Send(lease);
  absl::MutexLock lock(&mu_);
  if (sent) {
    unsent_since_.reset();
    return;
  }
  // The previous request's write has not completed: a moment's race with
  // its answer, or a stuck stream (NextAction closes it if this lasts).
  awaiting_ack_ = false;
  if (!unsent_since_) unsent_since_ = Clock::now();
  next_refresh_at_ = Clock::now() + std::chrono::milliseconds(10);
}

void LeaseKeeper::OnKeepAliveResponse(int64_t lease, int64_t ttl_seconds) {
  absl::MutexLock lock(&mu_);
  if (lease != lease_) return;  // for a lease given up since
  if (ttl_seconds <= 0) {
    lease_gone_ = true;
  } else if (awaiting_ack_) {
    awaiting_ack_ = false;
    expires_at_ = sent_at_ + std::chrono::seconds(ttl_seconds);
    reopen_pause_ = absl::ZeroDuration();
  }
  changed_.Signal();
}

void LeaseKeeper::OnStreamBroken() {
  absl::MutexLock lock(&mu_);
  stream_broken_ = true;
  changed_.Signal();
}

void LeaseKeeper::OnStreamDone() {
  absl::MutexLock lock(&mu_);
  stream_done_ = true;
  changed_.Signal();
}

}  // namespace eventlog::etcd

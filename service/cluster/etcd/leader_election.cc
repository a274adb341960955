#include "service/cluster/etcd/leader_election.h"

#include <algorithm>
#include <utility>
#include <variant>
#include <vector>

#include "service/cluster/etcd/retry_pause.h"
#include "service/cluster/etcd/watcher.h"
#include "storage/util/status_macros.h"

namespace eventlog::etcd {
namespace {

constexpr absl::Duration kMaxElectionPause = absl::Seconds(1);

}  // namespace

absl::StatusOr<std::unique_ptr<LeaderElection>> LeaderElection::Create(
    EtcdClient* client, LeaderElectionOptions options) {
  if (options.key.empty()) return absl::InvalidArgumentError("leader election: empty key");
  if (options.lease_ttl_seconds < 1) {
    return absl::InvalidArgumentError("leader election: lease_ttl_seconds must be at least 1");
  }
  return std::unique_ptr<LeaderElection>(new LeaderElection(client, std::move(options)));
}

LeaderElection::LeaderElection(EtcdClient* client, LeaderElectionOptions options)
    : client_(client), options_(std::move(options)) {
  if (!options_.on_elected) options_.on_elected = [](const Leadership&) {};
  if (!options_.on_lost) options_.on_lost = [](const Leadership&) {};
  LeaseKeeperOptions keeper;
  keeper.ttl_seconds = options_.lease_ttl_seconds;
  keeper.on_lost = [this](int64_t) { OnLeaseChanged(); };
  keeper.on_granted = [this](int64_t) { OnLeaseChanged(); };
  keeper.revoke_on_stop = true;
  // Cannot fail: the TTL was checked.
  keeper_ = std::move(LeaseKeeper::Create(client_, std::move(keeper))).value();
}

LeaderElection::~LeaderElection() { Resign().IgnoreError(); }

absl::Status LeaderElection::Campaign() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (thread_.joinable()) return absl::FailedPreconditionError("already campaigning");
  RETURN_IF_ERROR(keeper_->Start().status());
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

absl::Status LeaderElection::Resign() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (!thread_.joinable()) return absl::OkStatus();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();  // a leader's on_lost has run
  return keeper_->Stop();
}

std::optional<Leadership> LeaderElection::leadership() const {
  absl::MutexLock lock(&mu_);
  return leadership_;
}

absl::StatusOr<std::optional<KeyValue>> LeaderElection::ReadLeader(EtcdClient& client,
                                                                   absl::string_view key) {
  ASSIGN_OR_RETURN(RangeResult read, client.Range(KeyRange::Key(key)));
  if (read.kvs.empty()) return std::nullopt;
  return std::move(read.kvs.front());
}

void LeaderElection::Run() {
  absl::Duration pause = absl::ZeroDuration();
  while (true) {
    uint64_t generation;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      generation = lease_generation_;
    }
    const int64_t lease = keeper_->lease_id();
    if (lease == 0) {  // lost; the keeper is granting a new one
      Pause(kMaxElectionPause, generation);
      continue;
    }
    absl::StatusOr<Attempt> attempt = TryToWin(lease);
    if (!attempt.ok()) {  // etcd out of reach, or the lease just went
      pause = NextRetryPause(pause, kMaxElectionPause);
      Pause(pause, generation);
      continue;
    }
    pause = absl::ZeroDuration();
    if (attempt->won) {
      Lead(*attempt->won, generation);
    } else {
      // Campaign again once the leader's key is deleted.
      WaitOnKey(attempt->revision + 1, generation,
                [](const WatchEvent& event) { return event.type == WatchEvent::Type::kDelete; });
    }
  }
}

absl::StatusOr<LeaderElection::Attempt> LeaderElection::TryToWin(int64_t lease) {
  TxnRequest txn;
  txn.compares.push_back(Compare::Missing(options_.key));
  txn.then_ops.push_back(TxnOp::Put(options_.key, options_.value, lease));
  txn.else_ops.push_back(TxnOp::Get(KeyRange::Key(options_.key)));
  ASSIGN_OR_RETURN(TxnResult result, client_->Txn(txn));
  Attempt attempt;
  attempt.revision = result.revision;
  if (result.succeeded) {
    attempt.won = Leadership{options_.key, options_.value, result.revision, lease};
    return attempt;
  }
  const auto& read = std::get<RangeResult>(result.results.front());
  // The key on our own lease: an earlier attempt of ours won, but its
  // answer was lost (the call failed after etcd applied it).
  if (!read.kvs.empty() && read.kvs.front().lease == lease) {
    const KeyValue& ours = read.kvs.front();
    attempt.won = Leadership{options_.key, ours.value, ours.create_revision, lease};
  }
  return attempt;
}

void LeaderElection::Lead(const Leadership& leadership, uint64_t lease_generation) {
  {
    absl::MutexLock lock(&mu_);
    leadership_ = leadership;
  }
  options_.on_elected(leadership);
  const auto deposed = [&leadership](const WatchEvent& event) {
    return event.type == WatchEvent::Type::kDelete ||
           event.kv.create_revision != leadership.create_revision;
  };
  int64_t from_revision = leadership.create_revision + 1;
  while (WaitOnKey(from_revision, lease_generation, deposed) == WaitEnd::kWatchEnded) {
    // The watch could not go on (compaction): look at the key itself.
    absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(leadership.key));
    if (!read.ok()) {
      // Out of reach: still leader until the keeper declares the lease lost.
      Pause(kMaxElectionPause, lease_generation);
      continue;
    }
    if (read->kvs.empty() || read->kvs.front().create_revision != leadership.create_revision) {
      break;
    }
    from_revision = read->revision + 1;
  }
  {
    absl::MutexLock lock(&mu_);
    leadership_.reset();
  }
  options_.on_lost(leadership);
}

LeaderElection::WaitEnd LeaderElection::WaitOnKey(
    int64_t from_revision, uint64_t lease_generation,
    absl::FunctionRef<bool(const WatchEvent&)> ends_wait) {
  {
    absl::MutexLock lock(&mu_);
    key_event_ = false;
    watch_ended_ = false;
  }
  WatcherOptions watch;
  watch.range = KeyRange::Key(options_.key);
  watch.start_revision = from_revision;
  watch.on_events = [this, ends_wait](const std::vector<WatchEvent>& events) {
    if (std::none_of(events.begin(), events.end(), ends_wait)) return;
    absl::MutexLock lock(&mu_);
    key_event_ = true;
  };
  watch.on_end = [this](const WatchEnd&) {
    absl::MutexLock lock(&mu_);
    watch_ended_ = true;
  };
  absl::StatusOr<std::unique_ptr<Watcher>> watcher = Watcher::Start(client_, std::move(watch));
  if (!watcher.ok()) return WaitEnd::kWatchEnded;  // cannot happen: valid options

  // The watcher is destroyed (its thread joined) after mu_ is released:
  // its callbacks take mu_.
  absl::MutexLock lock(&mu_);
  auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || key_event_ || watch_ended_ || lease_generation_ != lease_generation;
  };
  mu_.Await(absl::Condition(&done));
  if (stopping_) return WaitEnd::kStopping;
  if (lease_generation_ != lease_generation) return WaitEnd::kLeaseChanged;
  return key_event_ ? WaitEnd::kKeyEvent : WaitEnd::kWatchEnded;
}

void LeaderElection::Pause(absl::Duration pause, uint64_t lease_generation) {
  absl::MutexLock lock(&mu_);
  auto interrupted = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || lease_generation_ != lease_generation;
  };
  mu_.AwaitWithTimeout(absl::Condition(&interrupted), pause);
}

void LeaderElection::OnLeaseChanged() {
  absl::MutexLock lock(&mu_);
  ++lease_generation_;
}

}  // namespace eventlog::etcd

#include "service/cluster/etcd/range_mirror.h"

#include <algorithm>
#include <utility>

#include "service/cluster/etcd/retry_pause.h"
#include "storage/util/status_macros.h"

namespace eventlog::etcd {
namespace {

constexpr absl::Duration kMaxMirrorPause = absl::Seconds(2);

}  // namespace

absl::StatusOr<std::unique_ptr<RangeMirror>> RangeMirror::Start(EtcdClient* client,
                                                                RangeMirrorOptions options) {
  if (!options.on_reset || !options.on_events) {
    return absl::InvalidArgumentError("range mirror: on_reset and on_events are required");
  }
  std::unique_ptr<RangeMirror> mirror(new RangeMirror(client, std::move(options)));
  RETURN_IF_ERROR(mirror->Reset());
  mirror->thread_ = std::thread([mirror = mirror.get()] { mirror->Run(); });
  return mirror;
}

RangeMirror::RangeMirror(EtcdClient* client, RangeMirrorOptions options)
    : client_(client), options_(std::move(options)) {}

RangeMirror::~RangeMirror() { Stop(); }

void RangeMirror::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // From a callback: the mirror's thread ends on its own (and ends the
  // watcher, whose thread may be this one).
  if (std::this_thread::get_id() == callback_thread_.load()) return;
  absl::MutexLock lock(&join_mu_);
  if (thread_.joinable()) thread_.join();
  watcher_.reset();  // Start failed before the thread began, or no-op
}

absl::Status RangeMirror::Reset() {
  ASSIGN_OR_RETURN(RangeResult snapshot, client_->Range(options_.range));
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::OkStatus();
    watch_ended_ = false;
  }
  RunCallback([&] { options_.on_reset(snapshot); });

  WatcherOptions watch;
  watch.range = options_.range;
  watch.start_revision = snapshot.revision + 1;
  watch.on_events = [this](const std::vector<WatchEvent>& events) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    RunCallback([&] { options_.on_events(events); });
  };
  // Compacted past where it stood, or cancelled by etcd: read afresh.
  watch.on_end = [this](const WatchEnd&) {
    absl::MutexLock lock(&mu_);
    watch_ended_ = true;
  };
  ASSIGN_OR_RETURN(watcher_, Watcher::Start(client_, std::move(watch)));
  return absl::OkStatus();
}

void RangeMirror::Run() {
  bool reset_failed = false;
  absl::Duration pause = kFirstRetryPause;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (reset_failed) {  // etcd out of reach: try again after a pause
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), pause);
      } else {
        auto woken = [this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || watch_ended_; };
        mu_.Await(absl::Condition(&woken));
      }
      if (stopping_) break;
    }
    watcher_.reset();  // joins its thread: none of its callbacks runs after this
    reset_failed = !Reset().ok();
    pause = reset_failed ? NextRetryPause(pause, kMaxMirrorPause) : kFirstRetryPause;
  }
  watcher_.reset();
}

void RangeMirror::RunCallback(absl::FunctionRef<void()> callback) {
  callback_thread_ = std::this_thread::get_id();
  callback();
  callback_thread_ = std::thread::id();
}

}  // namespace eventlog::etcd

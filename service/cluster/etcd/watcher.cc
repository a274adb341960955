#include "service/cluster/etcd/watcher.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "service/cluster/etcd/etcd_connection.h"
#include "service/cluster/etcd/etcd_proto_convert.h"
#include "service/cluster/etcd/retry_pause.h"

namespace eventlog::etcd {
namespace {

constexpr absl::Duration kMaxWatchPause = absl::Seconds(2);

}  // namespace

absl::StatusOr<std::unique_ptr<Watcher>> Watcher::Start(EtcdClient* client,
                                                        WatcherOptions options) {
  if (options.start_revision < 1) {
    return absl::InvalidArgumentError("watcher: start_revision must be at least 1");
  }
  if (!options.on_events) return absl::InvalidArgumentError("watcher: on_events is required");
  return std::unique_ptr<Watcher>(new Watcher(client, std::move(options)));
}

Watcher::Watcher(EtcdClient* client, WatcherOptions options)
    : client_(client), options_(std::move(options)), next_revision_(options_.start_revision) {
  if (!options_.on_end) options_.on_end = [](const WatchEnd&) {};
  thread_ = std::thread([this] { Run(); });
}

Watcher::~Watcher() { Stop(); }

void Watcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (std::this_thread::get_id() == run_thread_id_.load()) return;  // from a callback
  absl::MutexLock lock(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

int64_t Watcher::next_revision() const {
  absl::MutexLock lock(&mu_);
  return next_revision_;
}

void Watcher::Run() {
  run_thread_id_ = std::this_thread::get_id();
  absl::Duration pause = absl::ZeroDuration();
  while (true) {
    grpc::ClientContext context;
    client_->connection().ConfigureStream(&context);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      context_ = &context;
    }
    const StreamOutcome outcome = WatchOnce(&context);
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    if (outcome == StreamOutcome::kEnded) return;
    // Back off only if streams keep failing before delivering anything.
    pause = outcome == StreamOutcome::kFailedAfterProgress ? absl::ZeroDuration()
                                                           : NextRetryPause(pause, kMaxWatchPause);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), pause);
  }
}

Watcher::StreamOutcome Watcher::WatchOnce(grpc::ClientContext* context) {
  // Blocks until a member is reachable (wait_for_ready) or Stop() cancels.
  auto stream = client_->connection().watch().Watch(context);
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
  create->set_key(options_.range.key);
  create->set_range_end(options_.range.range_end);
  create->set_start_revision(next_revision());
  bool progressed = false;
  if (stream->Write(request)) {
    etcdserverpb::WatchResponse response;
    while (stream->Read(&response)) {
      if (response.compact_revision() != 0) {
        context->TryCancel();
        stream->Finish();
        End(WatchEnd{absl::OutOfRangeError(absl::StrCat("etcd watch: revision ", next_revision(),
                                                        " has been compacted; the oldest left is ",
                                                        response.compact_revision())),
                     response.compact_revision()});
        return StreamOutcome::kEnded;
      }
      if (response.canceled()) {
        context->TryCancel();
        stream->Finish();
        End(WatchEnd{absl::FailedPreconditionError(
                         absl::StrCat("etcd cancelled the watch: ", response.cancel_reason())),
                     0});
        return StreamOutcome::kEnded;
      }
      progressed = true;  // created, or events
      if (response.events_size() == 0) continue;
      std::vector<WatchEvent> events;
      events.reserve(response.events_size());
      for (const mvccpb::Event& event : response.events()) events.push_back(FromProto(event));
      if (!Deliver(events)) break;
    }
  }
  stream->Finish();  // the failure itself needs no handling: resume from here
  return progressed ? StreamOutcome::kFailedAfterProgress : StreamOutcome::kFailed;
}

bool Watcher::Deliver(const std::vector<WatchEvent>& events) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    next_revision_ = events.back().kv.mod_revision + 1;
  }
  options_.on_events(events);
  return true;
}

void Watcher::End(const WatchEnd& end) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
  }
  options_.on_end(end);
}

}  // namespace eventlog::etcd

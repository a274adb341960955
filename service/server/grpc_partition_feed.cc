#include "service/server/grpc_partition_feed.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"
#include "service/server/forwarding.h"

namespace eventlog::service {
namespace {

namespace v1 = ::eventlog::v1;

constexpr size_t kMaxBuffered = 2;
constexpr absl::Duration kRetryDelay = absl::Milliseconds(500);

// Errors a new leader cannot cure.
bool IsFinal(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

v1::StartFrom ToProto(broker::StartPosition::Kind kind) {
  switch (kind) {
    case broker::StartPosition::Kind::kEarliest:
      return v1::START_FROM_EARLIEST;
    case broker::StartPosition::Kind::kLatest:
      return v1::START_FROM_LATEST;
    case broker::StartPosition::Kind::kOffset:
      return v1::START_FROM_OFFSET;
    case broker::StartPosition::Kind::kCommitted:
      return v1::START_FROM_COMMITTED;
    case broker::StartPosition::Kind::kTimestamp:
      return v1::START_FROM_TIMESTAMP;
  }
  return v1::START_FROM_LATEST;
}

}  // namespace

// One Subscribe stream to the leader. Owned by shared pointers: its own
// (dropped in OnDone, gRPC's last reaction) and the core's and callers' copies,
// so that a Cancel racing with the stream's own end never reaches a deleted
// reactor (after OnDone, Cancel finds no hold and cancels a finished call: a
// no-op).
class FeedCall : public grpc::ClientReadReactor<grpc::ByteBuffer> {
 public:
  static std::shared_ptr<FeedCall> Create(std::shared_ptr<GrpcPartitionFeed::Core> core,
                                          grpc::ByteBuffer request) {
    std::shared_ptr<FeedCall> call(new FeedCall(std::move(core), std::move(request)));
    call->self_ = call;
    return call;
  }

  grpc::ClientContext& context() { return context_; }
  const grpc::ByteBuffer* request() const { return &request_; }

  void Begin() {
    AddHold();
    StartRead(&response_);
    StartCall();
  }
  // Reads the next message (after a pause for a full buffer).
  void Resume() { StartRead(&response_); }
  // Ends the call from this side; OnDone follows.
  void Cancel() {
    context_.TryCancel();
    DropHold();
  }

  void OnReadInitialMetadataDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  FeedCall(std::shared_ptr<GrpcPartitionFeed::Core> core, grpc::ByteBuffer request)
      : core_(std::move(core)), request_(std::move(request)) {}

  void DropHold() {
    absl::MutexLock lock(&hold_mu_);
    if (!held_) return;
    held_ = false;
    RemoveHold();
  }

  const std::shared_ptr<GrpcPartitionFeed::Core> core_;
  grpc::ClientContext context_;
  const grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  absl::Mutex hold_mu_;
  bool held_ ABSL_GUARDED_BY(hold_mu_) = true;
  std::shared_ptr<FeedCall> self_;  // until OnDone
};

class GrpcPartitionFeed::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(const Environment& environment, const broker::FeedRequest& request,
       absl::AnyInvocable<void()> notify)
      : environment_(environment), request_(request), notify_(std::move(notify)) {}

  // Opens a stream to the leader, or retries later without one.
  void Connect() {
    broker::PartitionRoute route = environment_.router->Route(request_.topic, request_.partition);
    std::string address;
    switch (route.kind) {
      case broker::PartitionRoute::Kind::kRemote:
        address = route.address;
        break;
      case broker::PartitionRoute::Kind::kLocal:
        address = environment_.self_address;
        break;
      case broker::PartitionRoute::Kind::kUnavailable:
        // Nobody can append to it until it has a leader again, so its start
        // can be resolved then: the subscription goes on with the others.
        MarkStarted();
        RetryLater();
        return;
    }
    if (address.empty()) {
      RetryLater();
      return;
    }
    std::shared_ptr<FeedCall> call;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      call = FeedCall::Create(shared_from_this(), SerializedRequestLocked());
      call_ = call;
      starting_ = true;
      paused_ = false;
    }
    MarkForwarded(&call->context(), environment_.channels->self());
    PrepareRawSubscribe(environment_.channels->To(address).channel.get(), &call->context(),
                        call->request(), call.get());
    call->Begin();
    bool cancel;
    {
      absl::MutexLock lock(&mu_);
      starting_ = false;
      cancel = closed_;  // Close() came meanwhile and left the cancel to us
    }
    if (cancel) call->Cancel();
  }

  absl::StatusOr<std::optional<broker::RemoteBatch>> Take() {
    std::shared_ptr<FeedCall> resume;
    std::optional<broker::RemoteBatch> batch;
    {
      absl::MutexLock lock(&mu_);
      if (buffered_.empty()) {
        if (!error_.ok()) return error_;
        return std::nullopt;
      }
      batch = std::move(buffered_.front());
      buffered_.pop_front();
      if (paused_ && call_ != nullptr) {
        paused_ = false;
        resume = call_;
      }
    }
    if (resume != nullptr) resume->Resume();
    return batch;
  }

  bool started() const {
    absl::MutexLock lock(&mu_);
    return started_ || !error_.ok();
  }

  int64_t next_offset() const {
    absl::MutexLock lock(&mu_);
    return next_offset_;
  }

  void Close() {
    {
      absl::MutexLock lock(&notify_mu_);
      notify_ = nullptr;
    }
    std::shared_ptr<FeedCall> call;
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
      call = starting_ ? nullptr : call_;
    }
    // Not waiting for the call to end: this may run on a gRPC callback
    // thread (a stream's OnDone destroying its subscription), and the
    // call's end would only be delivered after it returns. The call keeps
    // this core alive; nothing reaches the subscription any more.
    if (call != nullptr) call->Cancel();
  }

  // FeedCall's events.
  void OnHeaders(const std::multimap<grpc::string_ref, grpc::string_ref>& headers) {
    {
      absl::MutexLock lock(&mu_);
      auto it = headers.find(kStartOffsetsKey);
      if (it != headers.end() && next_offset_ < 0) {
        for (const auto& [partition, offset] :
             ParseStartOffsets(absl::string_view(it->second.data(), it->second.size()))) {
          if (partition == request_.partition) next_offset_ = offset;
        }
      }
      started_ = true;
      backoff_ = kRetryDelay;
    }
    Notify();
  }

  // True to read on, false to pause until Take() makes room.
  bool OnBatch(const grpc::ByteBuffer& message) {
    auto encoded = std::make_shared<grpc::ByteBuffer>(message);
    v1::SubscribeResponse parsed;
    grpc::ByteBuffer copy(message);
    bool keep_reading = true;
    if (grpc::SerializationTraits<v1::SubscribeResponse>::Deserialize(&copy, &parsed).ok() &&
        parsed.has_records() && parsed.records().records_size() > 0) {
      const v1::RecordBatch& records = parsed.records();
      broker::RemoteBatch batch;
      batch.partition = records.partition();
      batch.records = records.records_size();
      batch.next_offset = records.records(records.records_size() - 1).offset() + 1;
      batch.encoded = std::move(encoded);
      absl::MutexLock lock(&mu_);
      next_offset_ = batch.next_offset;
      buffered_.push_back(std::move(batch));
      if (buffered_.size() >= kMaxBuffered) {
        paused_ = true;
        keep_reading = false;
      }
    }
    Notify();
    return keep_reading;
  }

  void OnEnd(const grpc::Status& status, const grpc::ClientContext& context) {
    absl::Status why = FromForwardedCall(status, context);
    bool retry = false;
    {
      absl::MutexLock lock(&mu_);
      call_ = nullptr;
      if (closed_) return;
      if (IsFinal(why.code())) {
        error_ = why;
      } else {
        retry = true;
      }
    }
    if (retry) {
      RetryLater();
    } else {
      Notify();
    }
  }

 private:
  void RetryLater() {
    std::weak_ptr<Core> weak = weak_from_this();
    absl::Duration delay;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      delay = backoff_;
      backoff_ = std::min(backoff_ * 2, absl::Seconds(2));
    }
    environment_.delayed->Schedule(delay, [weak]() {
      if (std::shared_ptr<Core> core = weak.lock()) core->Connect();
    });
  }

  grpc::ByteBuffer SerializedRequestLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    v1::SubscribeRequest request;
    request.set_topic(request_.topic);
    request.add_partitions(request_.partition);
    request.set_max_batch_records(request_.max_batch_records);
    const broker::StartPosition& start = request_.start;
    // COMMITTED in explicit mode is for calls between brokers: the offset
    // if it lies in the log, else reset_to.
    if (next_offset_ >= 0) {
      // Again after a failure: on from where it stood; past a gap that
      // retention opened meanwhile.
      request.set_start_from(v1::START_FROM_COMMITTED);
      request.set_start_offset(next_offset_);
      request.set_reset_to(v1::START_FROM_EARLIEST);
    } else if (start.kind == broker::StartPosition::Kind::kCommitted) {
      request.set_start_from(v1::START_FROM_COMMITTED);
      request.set_start_offset(start.committed.value_or(-1));
      request.set_reset_to(ToProto(start.reset_to));
    } else {
      request.set_start_from(ToProto(start.kind));
      request.set_start_offset(start.offset);
      request.set_start_timestamp_ms(start.timestamp_ms);
    }
    grpc::ByteBuffer buffer;
    bool own = false;
    (void)grpc::SerializationTraits<v1::SubscribeRequest>::Serialize(request, &buffer, &own);
    return buffer;
  }

  void MarkStarted() {
    {
      absl::MutexLock lock(&mu_);
      if (started_) return;
      started_ = true;
    }
    Notify();
  }

  void Notify() {
    absl::MutexLock lock(&notify_mu_);
    if (notify_) notify_();
  }

  const Environment environment_;
  const broker::FeedRequest request_;

  absl::Mutex notify_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::AnyInvocable<void()> notify_ ABSL_GUARDED_BY(notify_mu_);

  mutable absl::Mutex mu_;
  std::deque<broker::RemoteBatch> buffered_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_offset_ ABSL_GUARDED_BY(mu_) = -1;
  std::shared_ptr<FeedCall> call_ ABSL_GUARDED_BY(mu_);
  bool starting_ ABSL_GUARDED_BY(mu_) = false;  // Connect is starting call_
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_) = kRetryDelay;
};

void FeedCall::OnReadInitialMetadataDone(bool ok) {
  if (ok) core_->OnHeaders(context_.GetServerInitialMetadata());
}

void FeedCall::OnReadDone(bool ok) {
  if (!ok) {
    DropHold();  // the stream ended: OnDone brings its status
    return;
  }
  if (core_->OnBatch(response_)) StartRead(&response_);
}

void FeedCall::OnDone(const grpc::Status& status) {
  core_->OnEnd(status, context_);
  std::shared_ptr<FeedCall> last = std::move(self_);  // may destroy this on return

}

GrpcPartitionFeed::GrpcPartitionFeed(const Environment& environment,
                                     const broker::FeedRequest& request,
                                     absl::AnyInvocable<void()> notify)
    : core_(std::make_shared<Core>(environment, request, std::move(notify))) {
  core_->Connect();
}

GrpcPartitionFeed::~GrpcPartitionFeed() { core_->Close(); }

absl::StatusOr<std::optional<broker::RemoteBatch>> GrpcPartitionFeed::Take() {
  return core_->Take();
}

bool GrpcPartitionFeed::started() const { return core_->started(); }

int64_t GrpcPartitionFeed::next_offset() const { return core_->next_offset(); }

}  // namespace eventlog::service

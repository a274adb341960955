#include "service/server/subscribe_reactor.h"

#include <optional>
#include <utility>

#include "service/server/proto_convert.h"
#include "service/server/status_mapping.h"

namespace eventlog::service {

SubscribeReactor::SubscribeReactor(std::unique_ptr<broker::Subscription> subscription)
    : subscription_(std::move(subscription)) {}

SubscribeReactor::SubscribeReactor(grpc::Status error) : refused_(std::move(error)) {}

void SubscribeReactor::Start() {
  if (subscription_ == nullptr) {
    absl::MutexLock lock(&mu_);
    FinishLocked(refused_);
    return;
  }
  // Response headers go out now: they tell the client that every start
  // offset is resolved, e.g. that a LATEST subscriber will see what it (or
  // anyone) produces from here on.
  StartSendInitialMetadata();
  Pump();
}

void SubscribeReactor::Pump() {
  {
    absl::MutexLock lock(&mu_);
    if (finishing_ || state_ != State::kIdle) return;
    absl::StatusOr<std::optional<broker::SubscriptionBatch>> next = subscription_->Next();
    if (!next.ok()) {
      FinishLocked(ToGrpcStatus(next.status()));
      return;
    }
    if (next->has_value()) {
      const broker::SubscriptionBatch& batch = **next;
      response_.Clear();
      eventlog::v1::RecordBatch* records = response_.mutable_records();
      records->set_partition(batch.partition);
      records->set_high_watermark(batch.read.high_watermark);
      AppendRecords(batch.read, subscription_->topic(), batch.partition,
                    records->mutable_records());
      state_ = State::kWriting;
      StartWrite(&response_);
      return;
    }
    state_ = State::kParked;
  }
  // Outside mu_: the wake-up may run inline.
  Ref();
  subscription_->Park([this] {
    OnWake();
    Unref();
  });
}

void SubscribeReactor::OnWake() {
  {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kParked) return;
    state_ = State::kIdle;
  }
  Pump();
}

void SubscribeReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    state_ = State::kIdle;
    if (!ok) FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
    if (finishing_ && !finished_) {
      finished_ = true;
      Finish(final_status_);
      return;
    }
  }
  Pump();
}

void SubscribeReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }
  // Wakes a parked pump so that its reference is dropped.
  if (subscription_ != nullptr) subscription_->Cancel();
}

void SubscribeReactor::FinishLocked(grpc::Status status) {
  if (finishing_) return;
  finishing_ = true;
  final_status_ = std::move(status);
  if (state_ == State::kWriting) return;  // OnWriteDone finishes.
  finished_ = true;
  Finish(final_status_);
}

}  // namespace eventlog::service

#include "tests/bench/null_eventlogd/subscribe_reactor.h"

#include <optional>
#include <utility>

namespace eventlog::bench {

SubscribeReactor::SubscribeReactor(NullTopic* topic, NullTopic::Cursor cursor)
    : topic_(topic), cursor_(std::move(cursor)) {
  topic_->AddSubscriber(1);
}

SubscribeReactor::SubscribeReactor(grpc::Status refused) : refused_(std::move(refused)) {}

SubscribeReactor::~SubscribeReactor() {
  if (topic_ != nullptr) topic_->AddSubscriber(-1);
}

void SubscribeReactor::Start() {
  if (topic_ == nullptr) {
    absl::MutexLock lock(&mu_);
    FinishOnceLocked(refused_);
    return;
  }
  // The start positions are fixed: the headers tell the client so (perf
  // latency produces only after them).
  StartSendInitialMetadata();
  Pump();
}

void SubscribeReactor::Pump() {
  absl::MutexLock lock(&mu_);
  if (finishing_ || writing_ || parked_) return;
  // The wake-up's reference, taken before it can run.
  Ref();
  std::optional<grpc::ByteBuffer> next = topic_->Next(&cursor_, this, [this] {
    {
      absl::MutexLock relock(&mu_);
      parked_ = false;
    }
    Pump();
    Unref();
  });
  if (!next.has_value()) {
    parked_ = true;
    return;
  }
  Unref();  // not parked; OnDone's reference is still held
  buffer_ = *std::move(next);
  writing_ = true;
  StartWrite(&buffer_);
}

void SubscribeReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) finishing_ = true;
    if (finishing_) {
      FinishOnceLocked(ok ? final_status_ : grpc::Status(grpc::StatusCode::CANCELLED,
                                                         "the stream broke"));
      return;
    }
  }
  Pump();
}

void SubscribeReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    finishing_ = true;
    final_status_ = grpc::Status::CANCELLED;
    if (!writing_) FinishOnceLocked(final_status_);
  }
  // A parked stream's wake-up will not run: drop its reference.
  if (topic_ != nullptr && topic_->Unpark(this)) Unref();
}

void SubscribeReactor::FinishOnceLocked(grpc::Status status) {
  if (finished_) return;
  finished_ = true;
  Finish(std::move(status));
}

}  // namespace eventlog::bench

#include "service/server/fetch_reactor.h"

#include <chrono>
#include <utility>

#include "service/server/forwarding.h"
#include "service/server/proto_convert.h"
#include "service/server/record_wire_encoder.h"
#include "service/server/status_mapping.h"

namespace eventlog::service {

FetchReactor::FetchReactor(broker::Broker* broker, const eventlog::v1::FetchRequest& request,
                           grpc::ByteBuffer* response, grpc::CallbackServerContext* context)
    : broker_(broker), request_(FromProto(request)), response_(response), context_(context) {}

void FetchReactor::Start() {
  absl::StatusOr<broker::FetchResult> result = broker_->Fetch(request_);
  if (!result.ok() || !result->read.records.empty() || result->wait_ms <= 0) {
    if (Claim()) Respond(result);
    return;
  }
  Ref();  // Dropped by the alarm callback, which always runs (ok=false if cancelled).
  alarm_set_ = true;
  alarm_.Set(std::chrono::system_clock::now() + std::chrono::milliseconds(result->wait_ms),
             [this](bool fired) {
               if (fired) OnTimeout();
               Unref();
             });
  Park(result->wait_offset);
}

void FetchReactor::Attempt() {
  absl::StatusOr<broker::FetchResult> result = broker_->Fetch(request_);
  if (!result.ok() || !result->read.records.empty()) {
    if (Claim()) Respond(result);
    return;
  }
  Park(result->wait_offset);
}

void FetchReactor::Park(int64_t offset) {
  Ref();  // Dropped by the waiter's callback, which runs exactly once.
  // The wake-up runs on the broker's executor, not on the producer's thread.
  std::shared_ptr<broker::DataWaiter> waiter = broker::DataWaiter::Create(
      [this] {
        OnData();
        Unref();
      },
      broker_->executor());
  bool done;
  {
    absl::MutexLock lock(&mu_);
    done = done_;
    if (!done) waiter_ = waiter;
  }
  if (done) {
    waiter->Wake();
    return;
  }
  broker_->AwaitData(request_.topic, request_.partition, offset, waiter);
}

void FetchReactor::OnData() {
  {
    absl::MutexLock lock(&mu_);
    if (done_) return;
    waiter_.reset();
  }
  Attempt();
}

void FetchReactor::OnTimeout() {
  if (!Claim(/*cancel_alarm=*/false)) return;
  // A last read: data may have come at the deadline, or the topic may be gone.
  Respond(broker_->Fetch(request_));
}

void FetchReactor::OnCancel() {
  if (!Claim()) return;
  Finish(grpc::Status::CANCELLED);
}

bool FetchReactor::Claim(bool cancel_alarm) {
  std::shared_ptr<broker::DataWaiter> waiter;
  {
    absl::MutexLock lock(&mu_);
    if (done_) return false;
    done_ = true;
    waiter = std::move(waiter_);
  }
  if (waiter != nullptr) waiter->Wake();
  if (cancel_alarm && alarm_set_) alarm_.Cancel();
  return true;
}

void FetchReactor::Respond(const absl::StatusOr<broker::FetchResult>& result) {
  if (!result.ok()) {
    if (context_ != nullptr) AddLeaderTrailer(context_, result.status());
    Finish(ToGrpcStatus(result.status()));
    return;
  }
  *response_ = EncodeFetchResponse(result->read, request_.topic, request_.partition);
  Finish(grpc::Status::OK);
}

}  // namespace eventlog::service

#include "service/server/produce_stream_reactor.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "service/broker/validation.h"
#include "service/server/proto_convert.h"

namespace eventlog::service {

namespace {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ProduceStreamReactor::ProduceStreamReactor(broker::Broker* broker, ProduceStreamLimits limits,
                                           RpcMetrics* metrics, std::string peer,
                                           RequestCheck request_check, bool forwarded)
    : broker_(broker),
      limits_{std::max<size_t>(limits.max_requests, 1), limits.max_bytes},
      metrics_(metrics),
      method_(metrics != nullptr ? metrics->MethodByName("ProduceStream") : -1),
      peer_(std::move(peer)),
      request_check_(std::move(request_check)),
      forwarded_(forwarded),
      session_(broker->NewProduceSession()) {}

void ProduceStreamReactor::Start() {
  Ref();  // Dropped by the shutdown callback, or in OnDone if it never runs.
  shutdown_id_ = broker_->shutdown_signal().Register([this] {
    OnShutdown();
    Unref();
  });
  if (shutdown_id_ == 0) {  // Already shutting down.
    Unref();
    OnShutdown();
    return;
  }
  absl::MutexLock lock(&mu_);
  ReadNextLocked();
}

void ProduceStreamReactor::OnReadDone(bool ok) {
  // Outside mu_: O(records). request_ is this reactor's until the next read.
  const auto bytes = ok ? static_cast<int64_t>(request_.ByteSizeLong()) : 0;
  uint64_t seq;
  {
    absl::MutexLock lock(&mu_);
    if (!ok) {
      reading_ = false;
      reads_done_ = true;
      MaybeFinishLocked();
      return;
    }
    if (finishing_ || finished_ || cancelled_) {  // Ending: the request is not taken.
      reading_ = false;
      return;
    }
    seq = first_seq_ + slots_.size();
    Slot& slot = slots_.emplace_back();
    slot.bytes = bytes;
    slot_bytes_ += slot.bytes;
    slot.response.set_request_id(request_.request_id());
    if (metrics_ != nullptr) slot.started_ns = NowNanos();
    // reading_ stays true until request_ is consumed below, so that no other
    // thread starts the next read into it (and requests reach the broker in
    // stream order).
  }
  // Outside mu_: the append may complete inline. The broker copies the
  // records before Produce returns, so request_ can be reused right after.
  absl::StatusOr<broker::ProduceRequest> request = FromProto(request_);
  if (request.ok() && request_check_) {
    if (absl::Status allowed = request_check_(request_); !allowed.ok()) request = allowed;
  }
  if (request.ok()) {
    request->forwarded = forwarded_;
    request->session = session_.get();
  }
  if (!request.ok()) {
    OnProduced(seq, request.status());
  } else {
    Ref();
    broker_->Produce(*request, [this, seq](absl::StatusOr<broker::ProduceResult> result) {
      OnProduced(seq, result);
      Unref();
    });
  }
  absl::MutexLock lock(&mu_);
  reading_ = false;
  ReadNextLocked();
}

void ProduceStreamReactor::OnProduced(uint64_t seq,
                                      const absl::StatusOr<broker::ProduceResult>& result) {
  absl::MutexLock lock(&mu_);
  if (finished_ || seq < first_seq_ || seq - first_seq_ >= slots_.size()) return;
  Slot& slot = slots_[seq - first_seq_];
  if (result.ok()) {
    ToProto(*result, &slot.response);
  } else {
    slot.response.set_error_code(static_cast<int32_t>(result.status().code()));
    slot.response.set_error_message(std::string(result.status().message()));
  }
  slot.ready = true;
  if (metrics_ != nullptr) {
    metrics_->RecordRequest(method_, static_cast<grpc::StatusCode>(result.status().code()),
                            NowNanos() - slot.started_ns, peer_, result.status().message());
  }
  WriteNextLocked();
}

void ProduceStreamReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) cancelled_ = true;  // The client is gone.
  WriteNextLocked();
  MaybeFinishLocked();
}

void ProduceStreamReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  MaybeFinishLocked();
}

void ProduceStreamReactor::OnShutdown() {
  absl::MutexLock lock(&mu_);
  if (!finishing_) {
    finishing_ = true;
    final_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 std::string(broker::ShuttingDownError().message()));
  }
  MaybeFinishLocked();
}

void ProduceStreamReactor::OnDone() {
  if (shutdown_id_ != 0 && broker_->shutdown_signal().Unregister(shutdown_id_)) Unref();
  Unref();
}

void ProduceStreamReactor::ReadNextLocked() {
  if (reading_ || reads_done_ || finishing_ || finished_ || cancelled_) return;
  // Resumed when a response is written.
  if (slots_.size() >= limits_.max_requests) return;
  if (!slots_.empty() && slot_bytes_ >= limits_.max_bytes) return;
  reading_ = true;
  StartRead(&request_);
}

void ProduceStreamReactor::WriteNextLocked() {
  if (writing_ || finished_ || cancelled_ || slots_.empty() || !slots_.front().ready) return;
  write_buffer_ = std::move(slots_.front().response);
  slot_bytes_ -= slots_.front().bytes;
  slots_.pop_front();
  ++first_seq_;
  writing_ = true;
  // More answers are ready behind this one (a group commit completes many at
  // once): gRPC may hold this one and send them together, in one write.
  grpc::WriteOptions options;
  if (!slots_.empty() && slots_.front().ready) options.set_buffer_hint();
  StartWrite(&write_buffer_, options);
  ReadNextLocked();
}

void ProduceStreamReactor::MaybeFinishLocked() {
  if (finished_ || writing_) return;
  grpc::Status status;
  if (reads_done_ && slots_.empty()) {
    status = grpc::Status::OK;
  } else if (cancelled_) {
    status = grpc::Status::CANCELLED;
  } else if (finishing_ && slots_.empty()) {
    status = final_status_;
  } else {
    return;
  }
  finished_ = true;
  Finish(status);
}

}  // namespace eventlog::service

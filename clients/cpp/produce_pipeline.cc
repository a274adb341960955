#include "clients/cpp/produce_pipeline.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/cpp/status_conversion.h"
#include "grpcpp/generic/generic_stub.h"

namespace eventlog::client {
namespace {

// The outcome of `batch` given the server's response to it.
void CompleteFromResponse(const v1::ProduceResponse& response, ProduceBatch& batch) {
  if (response.error_code() != 0) {
    batch.outcome->Complete(FromCodeNumber(response.error_code(), response.error_message()),
                            batch.partition, -1);
    return;
  }
  // The producer always names the partition, so exactly one append comes back.
  for (const v1::PartitionAppend& append : response.appends()) {
    if (append.partition() != batch.partition) continue;
    if (append.last_offset() - append.base_offset() + 1 != batch.records) break;
    batch.outcome->Complete(absl::OkStatus(), append.partition(), append.base_offset());
    return;
  }
  batch.outcome->Complete(
      absl::InternalError(absl::StrCat("produce response ", response.request_id(),
                                       " does not account for the ", batch.records,
                                       " records sent to partition ", batch.partition)),
      batch.partition, -1);
}

}  // namespace

ProducePipeline::ProducePipeline(Client& client, std::shared_ptr<grpc::Channel> channel,
                                 int max_in_flight, BatchDone on_batch_done,
                                 CapacityFreed on_capacity)
    : client_(client),
      channel_(channel != nullptr ? std::move(channel) : client.channel()),
      max_in_flight_(max_in_flight < 1 ? 1 : max_in_flight),
      on_batch_done_(std::move(on_batch_done)),
      on_capacity_(std::move(on_capacity)) {}

ProducePipeline::~ProducePipeline() {
  bool open;
  {
    absl::MutexLock lock(&mu_);
    open = started_ && !done_;
  }
  if (!open) return;
  context_.TryCancel();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&done_));
}

void ProducePipeline::Start() {
  client_.PrepareStreamContext(context_);
  // Requests go as the bytes the producer wrote (produce_request_wire.h).
  grpc::TemplatedGenericStub<grpc::ByteBuffer, v1::ProduceResponse> stub(channel_);
  stub.PrepareBidiStreamingCall(&context_, "/eventlog.v1.EventLog/ProduceStream",
                                grpc::StubOptions(), this);
  AddHold();  // keeps the call open for writes until ReleaseHoldIfIdle
  StartRead(&response_);
  StartCall();
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
  }
  WriteMore();
}

std::unique_ptr<ProduceBatch> ProducePipeline::Enqueue(std::unique_ptr<ProduceBatch> batch) {
  {
    absl::MutexLock lock(&mu_);
    if (done_ || closing_ || ended_flag_.load(std::memory_order_relaxed)) return batch;
    pending_.push_back(std::move(batch));
  }
  WriteMore();
  return nullptr;
}

ProducePipeline::NextWrite ProducePipeline::PickWriteLocked() {
  if (!started_ || writing_ != nullptr || writes_done_pending_ || read_ended_ || write_failed_) {
    return NextWrite::kNone;
  }
  if (!pending_.empty() && static_cast<int>(in_flight_.size()) < max_in_flight_) {
    in_flight_.push_back(std::move(pending_.front()));
    pending_.pop_front();
    writing_ = &in_flight_.back()->request;
    return NextWrite::kBatch;
  }
  if (pending_.empty() && closing_ && !writes_done_sent_) {
    writes_done_sent_ = true;
    writes_done_pending_ = true;
    return NextWrite::kWritesDone;
  }
  return NextWrite::kNone;
}

void ProducePipeline::WriteMore() {
  const grpc::ByteBuffer* request = nullptr;
  NextWrite next;
  {
    absl::MutexLock lock(&mu_);
    next = PickWriteLocked();
    request = writing_;
  }
  // Only this thread may start the write it picked: writing_ / writes_done_pending_
  // keep everyone else out until the matching On*Done.
  if (next == NextWrite::kBatch) {
    StartWrite(request);
  } else if (next == NextWrite::kWritesDone) {
    StartWritesDone();
  }
}

void ProducePipeline::ReleaseHoldIfIdle() {
  {
    absl::MutexLock lock(&mu_);
    if (!read_ended_ || writing_ != nullptr || writes_done_pending_ || hold_released_) return;
    hold_released_ = true;
  }
  RemoveHold();
}

void ProducePipeline::OnWriteDone(bool ok) {
  std::unique_ptr<ProduceBatch> answered;
  {
    absl::MutexLock lock(&mu_);
    writing_ = nullptr;
    if (!ok) write_failed_ = true;  // the call is broken; the read will end it
    answered = std::move(answered_while_writing_);
  }
  if (answered) on_batch_done_(std::move(answered));
  WriteMore();
  ReleaseHoldIfIdle();
}

void ProducePipeline::OnWritesDoneDone(bool /*ok*/) {
  {
    absl::MutexLock lock(&mu_);
    writes_done_pending_ = false;
  }
  ReleaseHoldIfIdle();
}

void ProducePipeline::OnReadDone(bool ok) {
  if (!ok) {
    {
      absl::MutexLock lock(&mu_);
      read_ended_ = true;
    }
    ReleaseHoldIfIdle();
    return;
  }
  std::unique_ptr<ProduceBatch> batch;
  {
    absl::MutexLock lock(&mu_);
    if (!in_flight_.empty() && in_flight_.front()->request_id == response_.request_id()) {
      batch = std::move(in_flight_.front());
      in_flight_.pop_front();
    } else {
      status_ = absl::InternalError(
          absl::StrCat("unexpected produce response for request ", response_.request_id()));
      read_ended_ = true;
    }
  }
  if (batch == nullptr) {  // protocol violation: give up on the call
    context_.TryCancel();
    ReleaseHoldIfIdle();
    return;
  }
  CompleteFromResponse(response_, *batch);
  {
    absl::MutexLock lock(&mu_);
    // gRPC may still reference a request whose write has not completed.
    if (&batch->request == writing_) answered_while_writing_ = std::move(batch);
  }
  if (batch) on_batch_done_(std::move(batch));
  StartRead(&response_);
  WriteMore();
  if (HasCapacity()) on_capacity_();
}

bool ProducePipeline::HasCapacity() const {
  absl::MutexLock lock(&mu_);
  return pending_.empty() && static_cast<int>(in_flight_.size()) < max_in_flight_;
}

void ProducePipeline::OnDone(const grpc::Status& grpc_status) {
  std::deque<std::unique_ptr<ProduceBatch>> unanswered;
  absl::Status failure;
  {
    absl::MutexLock lock(&mu_);
    if (status_.ok()) status_ = FromGrpcStatus(grpc_status);
    if (status_.ok() && !closing_)
      status_ = absl::UnavailableError("server ended the produce stream");
    unanswered.swap(in_flight_);
    for (auto& b : pending_) unanswered.push_back(std::move(b));
    pending_.clear();
    if (answered_while_writing_) unanswered.push_front(std::move(answered_while_writing_));
    failure =
        status_.ok() ? absl::UnavailableError("produce stream ended before an answer") : status_;
    // Ended before the callbacks: they may enqueue again (a producer sending
    // a partition's held batches), and a batch taken now would never be
    // written nor answered; refused, it goes elsewhere. (done_ waits for the
    // callbacks: the owner may destroy the pipeline once it is set.)
    ended_flag_.store(true, std::memory_order_release);
  }
  for (auto& batch : unanswered) {
    if (!batch->outcome->done.HasBeenNotified()) {
      batch->outcome->Complete(failure, batch->partition, -1);
    }
    on_batch_done_(std::move(batch));
  }
  absl::MutexLock lock(&mu_);
  done_ = true;
}

absl::Status ProducePipeline::Finish(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (!started_) return absl::OkStatus();
    closing_ = true;
  }
  WriteMore();
  ReleaseHoldIfIdle();
  bool cancel = false;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithDeadline(absl::Condition(&done_), deadline)) {
      cancel = true;
      if (status_.ok()) {
        status_ = absl::DeadlineExceededError("timed out waiting for produce acknowledgements");
      }
    }
  }
  if (cancel) {
    context_.TryCancel();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }
  return status();
}

bool ProducePipeline::finished() const {
  absl::MutexLock lock(&mu_);
  return done_;
}

absl::Status ProducePipeline::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace eventlog::client

#include "service/server/subscribe_reactor.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <optional>
#include <utility>

#include "eventlog/v1/eventlog.grpc.pb.h"
#include "service/server/forwarding.h"
#include "service/server/proto_convert.h"
#include "service/server/record_wire_encoder.h"
#include "service/server/status_mapping.h"

namespace eventlog::service {
namespace {

std::shared_ptr<const grpc::ByteBuffer> Serialize(const v1::SubscribeResponse& response) {
  auto buffer = std::make_shared<grpc::ByteBuffer>();
  bool own_buffer = false;
  grpc::Status status = grpc::SerializationTraits<v1::SubscribeResponse>::Serialize(
      response, buffer.get(), &own_buffer);
  if (!status.ok()) buffer->Clear();  // only for messages over 2 GiB, which batches are not
  return buffer;
}

}  // namespace

SubscribeReactor::SubscribeReactor(grpc::CallbackServerContext* context,
                                   std::unique_ptr<broker::Subscription> subscription,
                                   broker::Executor* executor, bool forwarded,
                                   bool columnar)
    : context_(context),
      subscription_(std::move(subscription)),
      executor_(executor),
      forwarded_(forwarded),
      columnar_(columnar) {}

SubscribeReactor::SubscribeReactor(grpc::Status error) : refused_(std::move(error)) {}

void SubscribeReactor::Start() {
  if (subscription_ == nullptr) {
    absl::MutexLock lock(&mu_);
    FinishLocked(refused_);
    return;
  }
  if (broker::GroupMembership* membership = subscription_->membership()) {
    // Runs with the coordinator's lock held: only schedules.
    membership->SetEvictionHook([this] {
      Ref();
      executor_->Schedule([this] {
        CancelFromServer();
        Unref();
      });
    });
  }
  // Response headers tell the client that every start offset is resolved
  // (explicit partitions), e.g. that a LATEST subscriber will see what it
  // (or anyone) produces from here on, or that it has joined its group.
  // Partitions read through other brokers are resolved when their leaders
  // answer: then Pump sends the headers.
  Pump();
}

void SubscribeReactor::SendHeadersLocked() {
  if (headers_sent_) return;
  headers_sent_ = true;
  if (forwarded_) {
    // Where the start of each partition was resolved, for the broker that
    // forwarded this stream (to resume at the right place).
    context_->AddInitialMetadata(kStartOffsetsKey,
                                 FormatStartOffsets(subscription_->LocalPositions()));
  }
  StartSendInitialMetadata();
}

void SubscribeReactor::Pump() {
  {
    absl::MutexLock lock(&mu_);
    if (finishing_ || state_ != State::kIdle) return;
    // A group member's headers go at once (they say it joined); its
    // assignment comes as a message. Explicit partitions: once every start
    // is resolved, and nothing is read before (a write would send headers
    // of its own).
    if (!headers_sent_ && (subscription_->membership() != nullptr || subscription_->started())) {
      SendHeadersLocked();
    }
    absl::StatusOr<std::optional<broker::SubscriptionEvent>> next = std::nullopt;
    if (headers_sent_) next = subscription_->Next();
    if (!next.ok()) {
      AddLeaderTrailer(context_, next.status());
      FinishLocked(ToGrpcStatus(next.status()));
      return;
    }
    if (next->has_value()) {
      Encode(**next);
      state_ = State::kWriting;
      StartWrite(&buffer_);
      return;
    }
    state_ = State::kParked;
  }
  // Outside mu_; the wake-up runs on the executor.
  Ref();
  subscription_->Park([this] {
    OnWake();
    Unref();
  });
}

void SubscribeReactor::Encode(const broker::SubscriptionEvent& event) {
  if (event.assignment.has_value()) {
    v1::SubscribeResponse response;
    v1::Assignment* assignment = response.mutable_assignment();
    assignment->set_member_id(event.assignment->member_id);
    assignment->set_generation(event.assignment->generation);
    assignment->mutable_partitions()->Add(event.assignment->partitions.begin(),
                                          event.assignment->partitions.end());
    buffer_ = *Serialize(response);
    return;
  }
  if (event.remote.has_value()) {
    // Read through another broker: its message, as it sent it.
    buffer_ = *std::static_pointer_cast<const grpc::ByteBuffer>(event.remote->encoded);
    return;
  }
  const broker::SharedBatch& batch = *event.batch;
  // Encoded once for every stream that reads this batch; copying a
  // ByteBuffer only takes references to its slices.
  std::shared_ptr<const grpc::ByteBuffer> bytes =
      batch.Encoded<grpc::ByteBuffer>(columnar_ ? 1 : 0, [&] {
        return std::make_shared<const grpc::ByteBuffer>(
            columnar_ ? EncodeSubscribeColumns(batch.read(), batch.partition())
                      : EncodeSubscribeRecords(batch.read(), subscription_->topic(),
                                               batch.partition()));
      });
  buffer_ = *bytes;
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
      FinishNowLocked();
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
  // Leaves the group and wakes a parked pump so that its reference is
  // dropped.
  if (subscription_ != nullptr) subscription_->Cancel();
}

void SubscribeReactor::CancelFromServer() {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    cancelling_ = true;
  }
  // Without mu_: gRPC may run OnCancel on this thread.
  context_->TryCancel();
  absl::MutexLock lock(&mu_);
  cancelling_ = false;
  if (finish_deferred_) {
    finish_deferred_ = false;
    FinishNowLocked();
  }
}

void SubscribeReactor::FinishLocked(grpc::Status status) {
  if (finishing_) return;
  finishing_ = true;
  final_status_ = std::move(status);
  // Leave the group now, whatever ends the stream: the coordinator must not
  // call into this reactor (e.g. evict it) once it may be deleted.
  if (subscription_ != nullptr) subscription_->Cancel();
  if (state_ == State::kWriting) return;  // OnWriteDone finishes.
  FinishNowLocked();
}

void SubscribeReactor::FinishNowLocked() {
  if (finished_) return;
  if (cancelling_) {
    finish_deferred_ = true;
    return;
  }
  finished_ = true;
  Finish(final_status_);
}

}  // namespace eventlog::service

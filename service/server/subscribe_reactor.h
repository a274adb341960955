// SubscribeReactor: one Subscribe stream. A pump asks the broker's
// Subscription for the next message whenever no write is in flight (one
// write at a time: HTTP/2 flow control is the backpressure), and parks on the
// logs when every partition is caught up; wake-ups run on the broker's
// executor, not on the producer's thread. Messages are written as
// pre-serialized bytes (the Subscribe method is registered raw): a record
// batch is encoded once and the same bytes go to every stream that reads it
// (SharedBatch). The stream runs until the client cancels, the topic is
// deleted (NOT_FOUND), the server shuts down (UNAVAILABLE), a read fails
// (e.g. DATA_LOSS), or, in group mode, the coordinator evicts the member:
// then the server cancels the call, which also fails a write stuck on a
// client that stopped reading.
//
// Thread-safe: writes completing, waiters waking, evictions, OnCancel and
// OnDone may race; mu_ orders them and references (RefCountedReactor) keep
// the reactor alive until the last callback has run.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/executor.h"
#include "service/broker/subscription.h"
#include "service/server/ref_counted_reactor.h"

namespace eventlog::service {

class SubscribeReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                         public RefCountedReactor {
 public:
  // A stream over `subscription`. `context` is the call's; `executor` (the
  // broker's) must outlive every task the reactor schedules on it.
  // `columnar`: record batches read here go out as RecordBatch.columns
  // (SubscribeRequest.columnar).
  SubscribeReactor(grpc::CallbackServerContext* context,
                   std::unique_ptr<broker::Subscription> subscription, broker::Executor* executor,
                   bool forwarded = false, bool columnar = false);
  // A stream that ends at once with `error` (the request was refused).
  explicit SubscribeReactor(grpc::Status error);

  // Call once, from the handler, before returning the reactor.
  void Start();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override { Unref(); }

 private:
  enum class State { kIdle, kWriting, kParked };

  // Writes the next message, or parks, unless busy or finishing.
  void Pump();
  void OnWake();
  // The response headers (with the start offsets for a forwarded stream).
  void SendHeadersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fills buffer_ with the message of `event`.
  void Encode(const broker::SubscriptionEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finishes now, or after the write in flight completes.
  void FinishLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishNowLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The member was evicted: cancels the call from the server side.
  void CancelFromServer();

  grpc::CallbackServerContext* const context_ = nullptr;
  const std::unique_ptr<broker::Subscription> subscription_;
  broker::Executor* const executor_ = nullptr;
  const grpc::Status refused_;
  // Sent by another broker (see forwarding.h).
  const bool forwarded_ = false;
  const bool columnar_ = false;

  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kIdle;
  bool headers_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // A server-side TryCancel is running: Finish waits for it, so that the
  // call (and its context) cannot end under it.
  bool cancelling_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_deferred_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer buffer_ ABSL_GUARDED_BY(mu_);  // the message being written
};

}  // namespace eventlog::service

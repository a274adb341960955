// SubscribeReactor: one Subscribe stream on the reference server, shaped
// like eventlogd's (service/server/subscribe_reactor.h): response headers
// once the start positions are fixed, pre-serialized messages, one write in
// flight (HTTP/2 flow control is the backpressure), parked while every
// partition is caught up and woken by the next produce. Runs until the
// client cancels or the server shuts down.
//
// Thread-safe: write completions, wake-ups (producer threads) and OnCancel
// race; mu_ orders them and a reference count keeps the reactor alive until
// the last of them has run.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tests/bench/null_eventlogd/null_topic.h"

namespace eventlog::bench {

class SubscribeReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // A stream over `topic` (which must outlive it) from `cursor`.
  SubscribeReactor(NullTopic* topic, NullTopic::Cursor cursor);
  // A stream that ends at once with `refused`.
  explicit SubscribeReactor(grpc::Status refused);

  // Call once, from the handler, before returning the reactor.
  void Start();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override { Unref(); }

 private:
  ~SubscribeReactor() override;

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  // Writes the next message or parks, unless a write is in flight.
  void Pump();
  void FinishOnceLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  NullTopic* const topic_ = nullptr;
  const grpc::Status refused_;
  std::atomic<int> refs_{1};  // dropped in OnDone

  absl::Mutex mu_;
  NullTopic::Cursor cursor_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer buffer_ ABSL_GUARDED_BY(mu_);  // the message being written
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool parked_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace eventlog::bench

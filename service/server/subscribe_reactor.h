// SubscribeReactor: one Subscribe stream. A pump asks the broker's
// Subscription for the next batch whenever no write is in flight (one write
// at a time: HTTP/2 flow control is the backpressure), and parks on the logs
// when every partition is caught up. The stream runs until the client
// cancels, the topic is deleted (NOT_FOUND), the server shuts down
// (UNAVAILABLE) or a read fails (e.g. DATA_LOSS).
//
// Thread-safe: writes completing, waiters waking, OnCancel and OnDone may
// race; mu_ orders them and references (RefCountedReactor) keep the reactor
// alive until the last callback has run.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"
#include "service/broker/subscription.h"
#include "service/server/ref_counted_reactor.h"

namespace eventlog::service {

class SubscribeReactor : public grpc::ServerWriteReactor<eventlog::v1::SubscribeResponse>,
                         public RefCountedReactor {
 public:
  // A stream over `subscription`.
  explicit SubscribeReactor(std::unique_ptr<broker::Subscription> subscription);
  // A stream that ends at once with `error` (the request was refused).
  explicit SubscribeReactor(grpc::Status error);

  // Call once, from the handler, before returning the reactor.
  void Start();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override { Unref(); }

 private:
  enum class State { kIdle, kWriting, kParked };

  // Writes the next batch, or parks, unless busy or finishing.
  void Pump();
  void OnWake();
  // Finishes now, or after the write in flight completes.
  void FinishLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<broker::Subscription> subscription_;
  const grpc::Status refused_;

  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kIdle;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  eventlog::v1::SubscribeResponse response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::service

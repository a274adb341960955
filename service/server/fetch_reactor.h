// FetchReactor: one Fetch call. Reads at once; at the end of the log it
// long-polls without holding a gRPC thread: it parks a DataWaiter on the
// partition and sets a grpc::Alarm for max_wait_ms, and answers on whichever
// comes first (new data, the deadline, deletion, shutdown, cancellation).
//
// Thread-safe: the waiter, the alarm, OnCancel and OnDone may race; mu_ and
// the done_ flag pick the one that answers, and references (see
// RefCountedReactor) keep the reactor alive until every callback has run.
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/support/server_callback.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"
#include "service/broker/broker.h"
#include "service/server/ref_counted_reactor.h"

namespace eventlog::service {

class FetchReactor : public grpc::ServerUnaryReactor, public RefCountedReactor {
 public:
  // `broker` and `response` must outlive the reactor (gRPC keeps the
  // response until OnDone; the broker outlives the server). The response is
  // a FetchResponse's wire bytes.
  FetchReactor(broker::Broker* broker, const eventlog::v1::FetchRequest& request,
               grpc::ByteBuffer* response, grpc::CallbackServerContext* context = nullptr);

  // Call once, from the handler, before returning the reactor.
  void Start();

  void OnCancel() override;
  void OnDone() override { Unref(); }

 private:
  // Reads again; answers if there is something to say, else parks.
  void Attempt();
  void Park(int64_t offset);
  void OnData();
  void OnTimeout();
  // True for the one caller that gets to answer; wakes a parked waiter and
  // (unless called from the alarm itself) cancels the alarm.
  bool Claim(bool cancel_alarm = true);
  // After Claim(): fills the response and finishes.
  void Respond(const absl::StatusOr<broker::FetchResult>& result);

  broker::Broker* const broker_;
  const broker::FetchRequest request_;
  grpc::ByteBuffer* const response_;
  // For the `eventlog-leader` trailer of a refusal (null: none).
  grpc::CallbackServerContext* const context_;
  grpc::Alarm alarm_;
  bool alarm_set_ = false;  // Written in Start() before any callback exists.

  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<broker::DataWaiter> waiter_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::service

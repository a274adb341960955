// ProduceForwardStream: one ProduceStream from this broker to a leader,
// carrying the forwarded requests of one client stream (a
// ForwardingProduceSession) in order, pipelined: requests are written one
// after another while earlier ones await their answers, which the leader
// gives in request order. When the stream fails, every request still
// unanswered fails with its status (UNAVAILABLE: the client retries, as it
// would if the leader itself had failed) and the stream takes no more; the
// session opens a new one for the next request.
//
// Thread-safe. Keeps itself alive until gRPC is done with it (OnDone).
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>

#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.grpc.pb.h"
#include "service/broker/produce_types.h"

namespace eventlog::service {

class ProduceForwardStream
    : public grpc::ClientBidiReactor<eventlog::v1::ProduceRequest, eventlog::v1::ProduceResponse> {
 public:
  // Opens the stream on `stub` (which must outlive it), marked as forwarded
  // by `self`.
  static std::shared_ptr<ProduceForwardStream> Open(eventlog::v1::EventLog::Stub* stub,
                                                    int32_t self, std::string leader);

  // Queues `request` for the leader, taking it and `done`, which runs with
  // its answer. False (leaving both untouched) if the stream has failed or
  // is closing.
  bool Send(eventlog::v1::ProduceRequest& request, broker::ProduceCallback& done);

  // Half-closes once every queued request is written; the stream ends when
  // the leader has answered them.
  void Close();

  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  explicit ProduceForwardStream(std::string leader) : leader_(std::move(leader)) {}
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string leader_;
  grpc::ClientContext context_;
  eventlog::v1::ProduceResponse response_;  // the read buffer

  absl::Mutex mu_;
  std::shared_ptr<ProduceForwardStream> self_ ABSL_GUARDED_BY(mu_);  // until OnDone
  std::deque<eventlog::v1::ProduceRequest> unsent_ ABSL_GUARDED_BY(mu_);
  std::deque<broker::ProduceCallback> unanswered_ ABSL_GUARDED_BY(mu_);
  eventlog::v1::ProduceRequest writing_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace eventlog::service

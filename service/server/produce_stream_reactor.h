// ProduceStreamReactor: one ProduceStream. Requests are pipelined: the
// reactor keeps reading while appends are in flight (within
// ProduceStreamLimits), answers each request
// once, in request order, with one write in flight at a time, and reports a
// request's error in its response (error_code / error_message) without
// ending the stream. The stream ends OK after the client half-closes and
// every response is written; with UNAVAILABLE on server shutdown (after the
// responses of requests already being appended are written); CANCELLED when
// the client cancels.
//
// Thread-safe: reads, writes, append completions (any thread), the shutdown
// signal, OnCancel and OnDone may race; mu_ orders them and references
// (RefCountedReactor) keep the reactor alive until the last callback.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"
#include "service/broker/broker.h"
#include "service/server/produce_stream_limits.h"
#include "service/server/ref_counted_reactor.h"
#include "service/server/rpc_metrics.h"

namespace eventlog::service {

class ProduceStreamReactor
    : public grpc::ServerBidiReactor<eventlog::v1::ProduceRequest, eventlog::v1::ProduceResponse>,
      public RefCountedReactor {
 public:
  // May the caller send this request (its topic, its produce quota)? Called
  // for each request read, after it is validated; an error becomes that
  // request's error. Empty = always allowed.
  using RequestCheck = std::function<absl::Status(const eventlog::v1::ProduceRequest& request)>;

  // `broker` and `metrics` (null: requests are not counted) must outlive the
  // reactor's callbacks (they outlive the server). `peer` names the client
  // in the log lines of refused requests. `forwarded`: another broker sent
  // the stream (its requests are served from the partitions led here only).
  ProduceStreamReactor(broker::Broker* broker, ProduceStreamLimits limits,
                       RpcMetrics* metrics = nullptr,
                       std::string peer = "", RequestCheck request_check = nullptr,
                       bool forwarded = false);

  // Call once, from the handler, before returning the reactor.
  void Start();

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // A request read and not yet answered; ready once its append completed.
  struct Slot {
    bool ready = false;
    int64_t bytes = 0;       // the request's encoded size (limits_.max_bytes)
    int64_t started_ns = 0;  // steady clock, when metrics are on
    eventlog::v1::ProduceResponse response;
  };

  void OnProduced(uint64_t seq, const absl::StatusOr<broker::ProduceResult>& result);
  void OnShutdown();
  void ReadNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  broker::Broker* const broker_;
  const ProduceStreamLimits limits_;
  RpcMetrics* const metrics_;
  const int method_;  // ProduceStream's index in metrics_
  const std::string peer_;
  const RequestCheck request_check_;
  const bool forwarded_;
  // Cluster: what this stream forwards to other leaders keeps its order.
  const std::unique_ptr<broker::ProduceSession> session_;
  broker::ShutdownSignal::Id shutdown_id_ = 0;  // Set in Start(), read in OnDone().
  // The read buffer: gRPC fills it between StartRead and OnReadDone; the
  // reactor uses it in OnReadDone before the next StartRead.
  eventlog::v1::ProduceRequest request_;

  absl::Mutex mu_;
  std::deque<Slot> slots_ ABSL_GUARDED_BY(mu_);
  uint64_t first_seq_ ABSL_GUARDED_BY(mu_) = 0;  // Sequence number of slots_.front().
  int64_t slot_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // Sum of slots_[i].bytes.
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;  // The client half-closed.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;  // Shutdown: answer what is in flight, then end.
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  eventlog::v1::ProduceResponse write_buffer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::service

// ProduceStreamReactor: one ProduceStream on the reference server. Each
// request is answered as soon as it is read (nothing is stored), in request
// order, one write in flight; like eventlogd it keeps reading while at most
// `max_in_flight` responses wait to be written, and reports a request's
// error in its response without ending the stream.
//
// Thread-safe: reads and writes complete on gRPC threads concurrently; mu_
// orders them. Deletes itself in OnDone.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <cstddef>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"
#include "tests/bench/null_eventlogd/null_topics.h"

namespace eventlog::bench {

class ProduceStreamReactor
    : public grpc::ServerBidiReactor<v1::ProduceRequest, v1::ProduceResponse> {
 public:
  // `topics` must outlive the stream.
  ProduceStreamReactor(NullTopics* topics, size_t max_in_flight);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  void FinishOnceLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  NullTopics* const topics_;
  const size_t max_in_flight_;
  // Only the read in flight touches it; read again once it is answered.
  v1::ProduceRequest request_;

  absl::Mutex mu_;
  // Responses not yet written; the front one is being written. A deque keeps
  // the front's address while more are queued.
  std::deque<v1::ProduceResponse> responses_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace eventlog::bench

// PerfProduceStream: one ProduceStream driven at full speed for the perf
// tools. The caller writes requests (reused by the caller, so nothing is
// built per record); a reader thread takes the in-order responses, records
// each request's latency (write to response) and counts its records in the
// meter once acknowledged. At most `window` requests are unanswered.
//
// Thread-safe for one writing thread (Send, Finish) plus the internal reader.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/cli/perf_meter.h"
#include "clients/cpp/cli/perf_samples.h"
#include "clients/cpp/client.h"
#include "grpcpp/support/sync_stream.h"

namespace eventlog::cli {

class PerfProduceStream {
 public:
  // `client`, `meter` and `latencies` (may be null) must outlive the stream.
  PerfProduceStream(client::Client& client, int window, PerfMeter* meter, PerfSamples* latencies);
  // Cancels the call if Finish() was not called.
  ~PerfProduceStream();
  PerfProduceStream(const PerfProduceStream&) = delete;
  PerfProduceStream& operator=(const PerfProduceStream&) = delete;

  // Opens the stream and starts the reader.
  void Start();
  // Waits for room in the window, then writes `request`; `records` and
  // `bytes` are counted when it is acknowledged. False once the stream broke
  // (Finish() says why).
  bool Send(const v1::ProduceRequest& request, int64_t records, int64_t bytes);
  // Ends the writes and waits for every response. Returns the first error:
  // a request's error_code or the stream's status.
  absl::Status Finish();

 private:
  struct Pending {
    int64_t sent_nanos;
    int64_t records;
    int64_t bytes;
  };

  void ReadLoop();
  bool HasRoomLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return broken_ || static_cast<int>(pending_.size()) < window_;
  }

  client::Client& client_;
  const int window_;
  PerfMeter* const meter_;
  PerfSamples* const latencies_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ProduceRequest, v1::ProduceResponse>> stream_;
  std::thread reader_;
  bool finished_ = false;

  absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::cli

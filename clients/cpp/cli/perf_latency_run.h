// One `eventlog perf latency` measurement: a producer sends `rate`
// records/s (in requests of `batch_size`) over a ProduceStream while a
// subscriber in the same process receives them; each value starts with the
// run's id, a sequence number and the monotonic send time, so the latency is
// measured from just before the produce write to the subscriber's receipt.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "clients/cpp/cli/perf_samples.h"
#include "clients/cpp/client.h"

namespace eventlog::cli {

struct LatencyRunOptions {
  std::string topic;
  int64_t rate = 10000;
  int64_t records = 50000;
  int64_t record_size = 100;  // at least kLatencyStampBytes
  int64_t batch_size = 1;
  int64_t warmup = 1000;  // first records left out of the percentiles
  v1::Acks acks = v1::ACKS_ALL;
  bool progress = true;  // the once-a-second progress line
};

// Run id, sequence number and send time at the start of every value.
inline constexpr int64_t kLatencyStampBytes = 24;

struct LatencyRun {
  double sent_per_second = 0;  // what the producer achieved
  PerfSamples end_to_end;      // produce call -> subscriber receipt
  PerfSamples produce;         // produce request -> its acknowledgement
};

// Fills `out`. An error if a produce failed or the subscriber did not
// receive every record within 10 s of the last produce.
absl::Status MeasureLatency(client::Client& client, const LatencyRunOptions& options,
                            LatencyRun* out);

}  // namespace eventlog::cli

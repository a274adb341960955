// ProduceStreamLimits: the read-ahead of a ProduceStream (ProduceStreamReactor),
// set in ServerOptions. Plain data.
#pragma once

#include <cstddef>
#include <cstdint>

namespace eventlog::service {

// How far one ProduceStream reads ahead of its answers: requests read but not
// yet answered. Deep enough that one group commit round (one fsync) takes a
// whole stream's backlog of small ACKS_ALL requests even when the disk is
// slow: with 64, a stream of one-record requests carried at most 64 records
// per fsync (64 per 7.8 ms fsync is ~8,000 requests/s) and queued behind
// itself. Bounded by bytes too, so that large requests keep the memory held
// per stream small; one request is always taken, whatever its size.
struct ProduceStreamLimits {
  size_t max_requests = 1024;
  int64_t max_bytes = int64_t{8} << 20;  // encoded request bytes
};

}  // namespace eventlog::service

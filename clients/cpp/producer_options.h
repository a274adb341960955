// ProducerOptions: batching, pipelining and durability settings of a
// Producer. A plain value.
#pragma once

#include <cstddef>

#include "absl/time/time.h"
#include "eventlog/v1/eventlog.pb.h"

namespace eventlog::client {

struct ProducerOptions {
  // ACKS_ALL: acknowledged records are fsynced. ACKS_LEADER: appended only.
  v1::Acks acks = v1::ACKS_ALL;
  // A batch (one request) is sent when it holds this many records or bytes,
  // or when its first record has waited `linger`.
  int batch_max_records = 1000;
  size_t batch_max_bytes = 512 * 1024;
  absl::Duration linger = absl::Milliseconds(5);
  // Requests written on the stream and not yet answered.
  int max_in_flight = 4;
  // Send() blocks while this many bytes of records are unacknowledged.
  size_t max_buffered_bytes = 32 * 1024 * 1024;
  // How long Close() waits for outstanding acknowledgements before cancelling.
  absl::Duration close_timeout = absl::Seconds(30);
  // In a cluster, send each partition's batches to its leader directly
  // (LeaderRouter) rather than through the broker the Client reached, which
  // forwards them. Only over plaintext: with ClientOptions::credentials set,
  // the brokers' advertised addresses may not match their certificates.
  bool route_to_leaders = true;
};

}  // namespace eventlog::client

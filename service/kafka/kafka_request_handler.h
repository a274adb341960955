// KafkaRequestHandler: what the Kafka listener hands decoded requests to
// (the broker integration implements it). The listener itself answers
// ApiVersions, SaslHandshake and SaslAuthenticate; every other API in the
// table comes here.
//
// Implementations must be thread-safe: Handle runs on the listener's I/O
// threads, for many connections at once, and must not block (a Fetch long
// poll or an acks=all Produce parks and calls `done` later, from any
// thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "service/kafka/protocol/kafka_request.h"
#include "service/kafka/protocol/kafka_response.h"
#include "service/kafka/protocol/request_header.h"

namespace eventlog::kafka {

// Who is asking: fixed for a connection except `principal`, which SASL sets.
struct KafkaConnectionContext {
  uint64_t connection_id = 0;            // unique within a listener's lifetime
  std::string peer_address;              // "127.0.0.1:54321"
  std::string principal;                 // SASL user or TLS client CN; empty: anonymous
  std::optional<std::string> client_id;  // of the latest request
};

// Completes one request with its response, which must be of the request's
// API (a ProduceRequest gets a ProduceResponse). Call exactly once, from any
// thread, at any time; after the listener shut down or the connection
// closed the response is dropped. For a Produce with acks = 0 call it too
// (nothing is sent): that frees the request's place in the connection's
// order.
using KafkaResponseCallback = absl::AnyInvocable<void(KafkaResponse) &&>;

class KafkaRequestHandler {
 public:
  virtual ~KafkaRequestHandler() = default;

  // `context` and `header` are valid for the duration of the call only.
  // `request.api_version` is within the API table's range.
  virtual void Handle(const KafkaConnectionContext& context, const RequestHeader& header,
                      KafkaRequest request, KafkaResponseCallback done) = 0;
};

}  // namespace eventlog::kafka

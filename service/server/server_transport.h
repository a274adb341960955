// The gRPC transport settings eventlogd serves with (keepalive, pollers,
// message size, no SO_REUSEPORT), shared with the store-nothing reference
// server (tests/bench/null_eventlogd) so that benchmarks compare like with
// like.
#pragma once

#include <grpcpp/server_builder.h>

#include <cstdint>

namespace eventlog::service {

// Room for the protobuf framing around a produce request's records, so that
// the broker (not gRPC) reports a request just above max_request_bytes.
inline constexpr int64_t kFramingSlackBytes = 64 * 1024;

// `group_session_timeout_ms` <= 0: the default (120 s).
void ApplyServerTransport(grpc::ServerBuilder& builder, int64_t group_session_timeout_ms,
                          int64_t max_request_bytes);

}  // namespace eventlog::service

// Hand-written wire encoding of grpc.health.v1's two tiny messages, so the
// client calls Health/Check through a generic stub without compiling
// health.proto (whose generated symbols would clash with a server's copy in
// any binary that links both). Stateless functions; thread-safe.
//
//   message HealthCheckRequest  { string service = 1; }
//   message HealthCheckResponse { ServingStatus status = 1; }
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::client {

std::string EncodeHealthCheckRequest(absl::string_view service);

// The `status` enum number (0 UNKNOWN, 1 SERVING, 2 NOT_SERVING,
// 3 SERVICE_UNKNOWN); INTERNAL if the bytes are not a valid message.
absl::StatusOr<int> DecodeHealthCheckResponse(absl::string_view bytes);

}  // namespace eventlog::client

// Conversions between gRPC statuses and absl::Status. Abseil's codes are
// gRPC's codes, so the mapping is one-to-one; the message is kept verbatim.
// Stateless free functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace eventlog::client {

// The gRPC status as an absl::Status with the same code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

// A status from a numeric gRPC code (as carried in ProduceResponse.error_code).
absl::Status FromCodeNumber(int code, absl::string_view message);

// "NOT_FOUND: topic 'x' does not exist": the canonical code name (as gRPC
// tools print it) followed by the message.
std::string DescribeStatus(const absl::Status& status);

}  // namespace eventlog::client

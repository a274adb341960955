// The one place where broker errors (absl::Status) become RPC statuses.
// Abseil's codes are gRPC's codes, so the mapping is one-to-one and keeps the
// message. Thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace eventlog::service {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace eventlog::service

#include "service/server/status_mapping.h"

#include <string>

namespace eventlog::service {

// absl::StatusCode and grpc::StatusCode share their numbering (0 OK .. 16
// UNAUTHENTICATED); a static cast keeps the code, the message is copied.
static_assert(static_cast<int>(absl::StatusCode::kDataLoss) ==
              static_cast<int>(grpc::StatusCode::DATA_LOSS));
static_assert(static_cast<int>(absl::StatusCode::kUnauthenticated) ==
              static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace eventlog::service

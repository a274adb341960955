#include "clients/cpp/status_conversion.h"

#include "absl/strings/str_cat.h"

namespace eventlog::client {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  return FromCodeNumber(static_cast<int>(status.error_code()), status.error_message());
}

absl::Status FromCodeNumber(int code, absl::string_view message) {
  if (code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::UnknownError(absl::StrCat("unknown status code ", code, ": ", message));
  }
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}

std::string DescribeStatus(const absl::Status& status) {
  // absl::StatusCodeToString gives "NOT_FOUND" style names, as grpc prints.
  std::string name = absl::StatusCodeToString(status.code());
  if (status.message().empty()) return name;
  return absl::StrCat(name, ": ", status.message());
}

}  // namespace eventlog::client

#include "service/ops/http_reply.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace eventlog::ops {

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

HttpReply ErrorReply(const absl::Status& status) {
  nlohmann::json body = {{"error", std::string(status.message())},
                         {"code", absl::StatusCodeToString(status.code())}};
  return HttpReply{HttpStatusFor(status), "application/json",
                   body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace eventlog::ops

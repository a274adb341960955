// HttpReply: what an HTTP handler answers (status, content type, body), and
// the one mapping from absl::Status codes to HTTP status codes used by the
// HTTP listener (as status_mapping.h is for gRPC).
//
// Plain values; thread-compatible.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace eventlog::ops {

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// 400 INVALID_ARGUMENT / OUT_OF_RANGE / FAILED_PRECONDITION, 401
// UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 429
// RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 500 otherwise.
int HttpStatusFor(const absl::Status& status);

// A JSON error reply: {"error": message, "code": "NOT_FOUND"}.
HttpReply ErrorReply(const absl::Status& status);

}  // namespace eventlog::ops

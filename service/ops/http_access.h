// HttpAccess: authentication and authorization of HTTP requests (console
// API, /metrics) with the same tokens and ACLs as the gRPC API
// (security::AccessController). A request names its caller with
// "Authorization: Bearer TOKEN"; client certificates play no part here.
// /healthz and /readyz never ask (probes carry no tokens).
//
// Thread-safe (the controller is).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/security/access_controller.h"
#include "service/security/access_types.h"

namespace eventlog::ops {

class HttpAccess {
 public:
  // `access` (null: everything open) must outlive this object.
  explicit HttpAccess(const security::AccessController* access) : access_(access) {}

  // Whether requests must carry a token.
  bool authentication_enabled() const {
    return access_ != nullptr && access_->authentication_enabled();
  }

  // The caller's principal from the Authorization header's value ("" when
  // absent): "anonymous" when authentication is off; UNAUTHENTICATED when it
  // is on and the header names no known token.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization) const;

  // OK or PERMISSION_DENIED (naming principal, operation and resource).
  absl::Status Authorize(absl::string_view principal, security::Operation operation,
                         security::ResourceType type, absl::string_view name) const;
  bool Allows(absl::string_view principal, security::Operation operation,
              security::ResourceType type, absl::string_view name) const;

 private:
  const security::AccessController* const access_;
};

}  // namespace eventlog::ops

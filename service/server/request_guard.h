// RequestGuard: the access check at the top of every eventlog.v1 handler.
// Takes the caller's bearer token (metadata) and verified client
// certificate CN (auth context) from the call, asks the AccessController who
// the caller is, validates the names the call touches (so that malformed
// names fail with INVALID_ARGUMENT before any decision) and checks each
// access. Statuses: UNAUTHENTICATED, INVALID_ARGUMENT, PERMISSION_DENIED.
//
// Thread-safe (the controller is); cheap to copy.
#pragma once

#include <grpcpp/server_context.h>

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/security/access_controller.h"
#include "service/security/access_types.h"

namespace eventlog::service {

// One thing a call does: `operation` on the topic or group `name`.
struct Access {
  security::Operation operation;
  security::ResourceType type;
  absl::string_view name;
};

class RequestGuard {
 public:
  // `access` (null: everything open) must outlive the guard.
  explicit RequestGuard(const security::AccessController* access) : access_(access) {}

  // The caller's principal ("anonymous" when authentication is off).
  absl::StatusOr<std::string> Authenticate(const grpc::ServerContextBase& context) const;

  // Authenticate, then validate and authorize every access.
  absl::Status Check(const grpc::ServerContextBase& context,
                     std::initializer_list<Access> accesses) const;
  // Validate and authorize for a principal already authenticated (streams
  // check each request they read).
  absl::Status CheckFor(absl::string_view principal, std::initializer_list<Access> accesses) const;

  // Whether `principal` may do `operation` on the resource (for filtering
  // lists); true when authorization is off.
  bool Allows(absl::string_view principal, security::Operation operation,
              security::ResourceType type, absl::string_view name) const;

 private:
  const security::AccessController* access_;
};

}  // namespace eventlog::service

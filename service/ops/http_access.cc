#include "service/ops/http_access.h"

namespace eventlog::ops {

absl::StatusOr<std::string> HttpAccess::Authenticate(absl::string_view authorization) const {
  if (!authentication_enabled()) return std::string(security::kAnonymousPrincipal);
  return access_->Authenticate(authorization, /*certificate_cn=*/"");
}

absl::Status HttpAccess::Authorize(absl::string_view principal, security::Operation operation,
                                   security::ResourceType type, absl::string_view name) const {
  if (access_ == nullptr || !access_->authorization_enabled()) return absl::OkStatus();
  return access_->Authorize(principal, operation, type, name);
}

bool HttpAccess::Allows(absl::string_view principal, security::Operation operation,
                        security::ResourceType type, absl::string_view name) const {
  return access_ == nullptr || access_->Allows(principal, operation, type, name);
}

}  // namespace eventlog::ops

#include "service/server/request_guard.h"

#include <grpcpp/security/auth_context.h>

#include <memory>

#include "service/broker/validation.h"

namespace eventlog::service {
namespace {

absl::string_view ToView(grpc::string_ref ref) { return absl::string_view(ref.data(), ref.size()); }

// The authorization metadata ("" when absent).
absl::string_view BearerHeader(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  return it == metadata.end() ? absl::string_view() : ToView(it->second);
}

// The subject CN of a verified client certificate ("" when none).
std::string CertificateCommonName(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "";
  std::vector<grpc::string_ref> names = auth->FindPropertyValues("x509_common_name");
  return names.empty() ? "" : std::string(names.front().data(), names.front().size());
}

}  // namespace

absl::StatusOr<std::string> RequestGuard::Authenticate(
    const grpc::ServerContextBase& context) const {
  if (access_ == nullptr || !access_->authentication_enabled()) {
    return std::string(security::kAnonymousPrincipal);
  }
  return access_->Authenticate(BearerHeader(context), CertificateCommonName(context));
}

absl::Status RequestGuard::Check(const grpc::ServerContextBase& context,
                                 std::initializer_list<Access> accesses) const {
  if (access_ == nullptr) return absl::OkStatus();
  absl::StatusOr<std::string> principal = Authenticate(context);
  if (!principal.ok()) return principal.status();
  return CheckFor(*principal, accesses);
}

absl::Status RequestGuard::CheckFor(absl::string_view principal,
                                    std::initializer_list<Access> accesses) const {
  if (access_ == nullptr || !access_->authorization_enabled()) return absl::OkStatus();
  for (const Access& access : accesses) {
    absl::Status valid = access.type == security::ResourceType::kTopic
                             ? broker::ValidateTopicName(access.name)
                             : broker::ValidateGroupName(access.name);
    if (!valid.ok()) return valid;
  }
  for (const Access& access : accesses) {
    absl::Status allowed =
        access_->Authorize(principal, access.operation, access.type, access.name);
    if (!allowed.ok()) return allowed;
  }
  return absl::OkStatus();
}

bool RequestGuard::Allows(absl::string_view principal, security::Operation operation,
                          security::ResourceType type, absl::string_view name) const {
  return access_ == nullptr || access_->Allows(principal, operation, type, name);
}

}  // namespace eventlog::service

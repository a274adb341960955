#include "service/kafka/handler/kafka_access.h"

#include "absl/strings/str_cat.h"

namespace eventlog::kafka {

std::string KafkaAccess::Principal(const KafkaConnectionContext& context) const {
  if (access_ == nullptr || !access_->authentication_enabled() || context.principal.empty()) {
    return std::string(security::kAnonymousPrincipal);
  }
  return context.principal;
}

bool KafkaAccess::Allows(absl::string_view principal, security::Operation operation,
                         security::ResourceType type, absl::string_view name) const {
  return access_ == nullptr || access_->Allows(principal, operation, type, name);
}

bool KafkaAccess::AllowsSome(absl::string_view principal, security::Operation operation,
                             security::ResourceType type) const {
  return access_ == nullptr || access_->AllowsSome(principal, operation, type);
}

absl::Status KafkaAccess::Check(absl::string_view principal, security::Operation operation,
                                security::ResourceType type, absl::string_view name) const {
  if (access_ == nullptr) return absl::OkStatus();
  return access_->Authorize(principal, operation, type, name);
}

bool KafkaAccess::sasl_required() const {
  return access_ != nullptr && access_->tokens_enabled();
}

SaslPlainAuthenticator KafkaAccess::SaslAuthenticator() const {
  const security::AccessController* access = access_;
  return [access](absl::string_view username,
                  absl::string_view password) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> principal =
        access->Authenticate(absl::StrCat("Bearer ", password), "");
    if (!principal.ok()) return absl::UnauthenticatedError("unknown token");
    if (*principal != username) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the token belongs to another principal than \"", username,
          "\"; use the token's principal as the SASL username"));
    }
    return principal;
  };
}

}  // namespace eventlog::kafka

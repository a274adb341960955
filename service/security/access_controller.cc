#include "service/security/access_controller.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace eventlog::security {
namespace {

// A client-supplied name as it can appear in a message: escaped, shortened.
std::string Printable(absl::string_view name) {
  constexpr size_t kShown = 64;
  std::string shown = absl::CHexEscape(name.substr(0, kShown));
  if (name.size() > kShown) absl::StrAppend(&shown, "...");
  return shown;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AccessController>> AccessController::Create(
    const AccessOptions& options) {
  std::unique_ptr<AccessController> controller(new AccessController(options));
  absl::Status loaded = controller->Reload();
  if (!loaded.ok()) return loaded;
  return controller;
}

absl::Status AccessController::Reload() {
  std::unique_ptr<const TokenTable> tokens;
  std::unique_ptr<const Acl> acl;
  if (!options_.tokens_file.empty()) {
    absl::StatusOr<TokenTable> loaded = TokenTable::Load(options_.tokens_file);
    if (!loaded.ok()) return loaded.status();
    tokens = std::make_unique<const TokenTable>(*std::move(loaded));
  }
  if (!options_.acl_file.empty()) {
    absl::StatusOr<Acl> loaded = Acl::Load(options_.acl_file);
    if (!loaded.ok()) return loaded.status();
    acl = std::make_unique<const Acl>(*std::move(loaded));
  }
  absl::MutexLock lock(&mu_);
  tokens_ = std::move(tokens);
  acl_ = std::move(acl);
  return absl::OkStatus();
}

absl::StatusOr<std::string> AccessController::Authenticate(absl::string_view authorization,
                                                           absl::string_view certificate_cn) const {
  if (!authentication_enabled()) return std::string(kAnonymousPrincipal);
  if (!options_.tokens_file.empty() && !authorization.empty()) {
    absl::string_view token = absl::StripAsciiWhitespace(authorization);
    // RFC 6750: the scheme is case-insensitive.
    if (token.size() < 7 || !absl::EqualsIgnoreCase(token.substr(0, 7), "bearer ")) {
      return absl::UnauthenticatedError(
          "the \"authorization\" metadata must be \"Bearer <token>\"");
    }
    token = absl::StripLeadingAsciiWhitespace(token.substr(7));
    absl::ReaderMutexLock lock(&mu_);
    const std::string* principal = tokens_ == nullptr ? nullptr : tokens_->Find(token);
    if (principal == nullptr) return absl::UnauthenticatedError("unknown bearer token");
    return *principal;
  }
  if (options_.client_certificates && !certificate_cn.empty()) {
    return std::string(certificate_cn);
  }
  if (options_.client_certificates && options_.tokens_file.empty()) {
    return absl::UnauthenticatedError("the client certificate has no subject common name (CN)");
  }
  return absl::UnauthenticatedError(
      "no credentials: send the metadata \"authorization: Bearer <token>\"");
}

bool AccessController::Allows(absl::string_view principal, Operation operation, ResourceType type,
                              absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  return acl_ == nullptr || acl_->Allows(principal, operation, type, name);
}

bool AccessController::AllowsSome(absl::string_view principal, Operation operation,
                                  ResourceType type) const {
  absl::ReaderMutexLock lock(&mu_);
  return acl_ == nullptr || acl_->AllowsSome(principal, operation, type);
}

absl::Status AccessController::Authorize(absl::string_view principal, Operation operation,
                                         ResourceType type, absl::string_view name) const {
  if (Allows(principal, operation, type, name)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("principal \"", Printable(principal), "\" may not ", OperationName(operation),
                   " ", ResourceTypeName(type), " \"", Printable(name), "\""));
}

}  // namespace eventlog::security

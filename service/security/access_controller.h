// AccessController: decides who a caller is (authentication) and what it may
// do (authorization), from the token file and the ACL file, which Reload()
// re-reads (eventlogd calls it on SIGHUP) without disturbing calls in flight.
//
// Authentication is on when there is a token file or client certificates
// are required (mTLS); the caller is then the principal of its bearer token,
// else the subject CN of its verified client certificate, else refused with
// UNAUTHENTICATED. When it is off every caller is "anonymous" and a bearer
// token is ignored. Authorization is on when there is an ACL file; when it
// is off every authenticated caller may do everything.
//
// Transport-free (the gRPC layer extracts the metadata and the certificate).
// Thread-safe: lookups take a reader lock; Reload swaps the tables.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "service/security/access_types.h"
#include "service/security/acl.h"
#include "service/security/token_table.h"

namespace eventlog::security {

struct AccessOptions {
  std::string tokens_file;  // "" = no token authentication
  std::string acl_file;     // "" = no authorization
  // Whether the transport requires verified client certificates (mTLS), so
  // that their subject CN can name the caller.
  bool client_certificates = false;
};

class AccessController {
 public:
  // Loads the files; their errors (INVALID_ARGUMENT, NOT_FOUND, ...) name
  // the file and line.
  static absl::StatusOr<std::unique_ptr<AccessController>> Create(const AccessOptions& options);

  bool authentication_enabled() const {
    return !options_.tokens_file.empty() || options_.client_certificates;
  }
  bool authorization_enabled() const { return !options_.acl_file.empty(); }
  // Bearer tokens are accepted (there is a token file).
  bool tokens_enabled() const { return !options_.tokens_file.empty(); }

  // Re-reads both files. On any error keeps the tables in use and returns
  // the error.
  absl::Status Reload();

  // The caller's principal. `authorization` is the value of the
  // "authorization" metadata ("" when absent); `certificate_cn` the subject
  // CN of the verified client certificate ("" when none). UNAUTHENTICATED
  // (never echoing the token) when authentication is on and neither names
  // a known principal.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization,
                                           absl::string_view certificate_cn) const;

  // OK, or PERMISSION_DENIED naming the principal, operation and resource.
  absl::Status Authorize(absl::string_view principal, Operation operation, ResourceType type,
                         absl::string_view name) const;
  bool Allows(absl::string_view principal, Operation operation, ResourceType type,
              absl::string_view name) const;
  // Whether `principal` may do `operation` on some resource of `type`
  // (Acl::AllowsSome); true without an ACL file.
  bool AllowsSome(absl::string_view principal, Operation operation, ResourceType type) const;

 private:
  explicit AccessController(AccessOptions options) : options_(std::move(options)) {}

  const AccessOptions options_;
  mutable absl::Mutex mu_;
  std::unique_ptr<const TokenTable> tokens_ ABSL_GUARDED_BY(mu_);  // null: no token file
  std::unique_ptr<const Acl> acl_ ABSL_GUARDED_BY(mu_);            // null: no ACL file
};

}  // namespace eventlog::security

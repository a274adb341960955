// Transport security and access control of an eventlog server: TLS files,
// the token file and the ACL file (see service/security/ for their formats
// and docs/SECURITY.md for the model). Everything empty = plaintext, no
// authentication, no authorization.
#pragma once

#include <string>

namespace eventlog::service {

struct SecurityOptions {
  // PEM files. Certificate and key together turn TLS on; a client CA
  // additionally requires and verifies client certificates (mTLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // "TOKEN PRINCIPAL" lines; turns bearer-token authentication on.
  std::string auth_tokens_file;
  // "PRINCIPAL OPERATIONS RESOURCE" lines; turns authorization on.
  std::string acl_file;
};

}  // namespace eventlog::service

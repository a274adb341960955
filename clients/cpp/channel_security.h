// Channel security of a client: plaintext, TLS (server verified against a
// CA file or the system roots), or mutual TLS (plus a client certificate),
// and the bearer token sent with every call. MakeChannelCredentials is the
// one place that turns these settings into gRPC channel credentials.
// Thread-safe (plain values and a function).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"

namespace eventlog::client {

struct ChannelSecurity {
  // TLS on. Implied by any of the files below.
  bool tls = false;
  // PEM CA certificate(s) that signed the server's certificate; "" = the
  // system's trusted roots.
  std::string ca_file;
  // PEM client certificate and its key, for servers that require mTLS.
  std::string cert_file;
  std::string key_file;
  // Sent as "authorization: Bearer <token>" on every call; "" = none.
  std::string token;

  bool UsesTls() const {
    return tls || !ca_file.empty() || !cert_file.empty() || !key_file.empty();
  }
};

// Insecure credentials for plaintext, else SSL credentials from the files.
// INVALID_ARGUMENT for a certificate without its key (or the reverse) or a
// file that is not PEM; NOT_FOUND / PERMISSION_DENIED for unreadable files.
// The token is not part of the credentials (Client adds it to each call,
// so that it also works on plaintext channels).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ChannelSecurity& security);

}  // namespace eventlog::client

// MakeServerCredentials: the gRPC listener's credentials from the TLS part
// of SecurityOptions: plaintext, TLS, or mutual TLS requiring a client
// certificate signed by the client CA. Thread-safe (a function).
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/status/statusor.h"
#include "service/server/security_options.h"

namespace eventlog::service {

// INVALID_ARGUMENT for an incomplete combination (a certificate without its
// key, a client CA without TLS) or a file that is not PEM; the file errors
// of ReadTextFile otherwise.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const SecurityOptions& options);

}  // namespace eventlog::service

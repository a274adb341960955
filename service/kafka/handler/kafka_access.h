// KafkaAccess: who a Kafka connection is and what it may do, with the same
// AccessController (token file, ACL file) as the gRPC API:
// - SASL/PLAIN authenticates with a bearer token: the password is the
//   token, and the username must be the token's principal (so that a
//   token pasted under the wrong name is refused rather than used);
// - with mutual TLS, a verified client certificate's CN is the principal;
// - with authentication off, everyone is "anonymous".
// Authorization then applies the ACL rules exactly as for gRPC calls.
//
// Thread-safe (the controller is).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "service/kafka/kafka_listener_options.h"
#include "service/kafka/kafka_request_handler.h"
#include "service/security/access_controller.h"
#include "service/security/access_types.h"

namespace eventlog::kafka {

class KafkaAccess {
 public:
  // `access` (null: everything open) must outlive this object.
  explicit KafkaAccess(const security::AccessController* access) : access_(access) {}

  // The connection's principal.
  std::string Principal(const KafkaConnectionContext& context) const;

  bool Allows(absl::string_view principal, security::Operation operation,
              security::ResourceType type, absl::string_view name) const;
  // Whether `principal` may do `operation` on some resource of `type`
  // (Kafka's "on any topic" checks, e.g. for InitProducerId).
  bool AllowsSome(absl::string_view principal, security::Operation operation,
                  security::ResourceType type) const;
  // PERMISSION_DENIED naming what was refused.
  absl::Status Check(absl::string_view principal, security::Operation operation,
                     security::ResourceType type, absl::string_view name) const;

  // Whether the listener must require SASL/PLAIN (there is a token file).
  bool sasl_required() const;
  // The listener's SASL/PLAIN check (see above).
  SaslPlainAuthenticator SaslAuthenticator() const;

 private:
  const security::AccessController* const access_;
};

}  // namespace eventlog::kafka

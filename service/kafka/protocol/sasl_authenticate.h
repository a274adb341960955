// SaslAuthenticate (key 36), versions 0-1: one SASL token each way (for
// PLAIN: the client's authzid NUL authcid NUL password, and an empty reply).
//
// Plain value types; Serde is defined in sasl_authenticate.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct SaslAuthenticateRequest {
  static constexpr ApiKey kApiKey = ApiKey::kSaslAuthenticate;
  std::string auth_bytes;

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct SaslAuthenticateResponse {
  static constexpr ApiKey kApiKey = ApiKey::kSaslAuthenticate;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::string auth_bytes;
  int64_t session_lifetime_ms = 0;  // v1+; 0: no re-authentication

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

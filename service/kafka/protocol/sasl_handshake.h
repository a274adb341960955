// SaslHandshake (key 17), versions 0-1: the client names its SASL mechanism.
// After v0 the SASL tokens follow as raw size-prefixed frames (no Kafka
// header); after v1 they come in SaslAuthenticate requests.
//
// Plain value types; Serde is defined in sasl_handshake.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct SaslHandshakeRequest {
  static constexpr ApiKey kApiKey = ApiKey::kSaslHandshake;
  std::string mechanism;

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct SaslHandshakeResponse {
  static constexpr ApiKey kApiKey = ApiKey::kSaslHandshake;
  int16_t error_code = 0;
  std::vector<std::string> mechanisms;

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

#include "service/kafka/protocol/sasl_handshake.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void SaslHandshakeRequest::Serde(Io& io, int16_t /*version*/) {
  io.String(mechanism);
}

template <typename Io>
void SaslHandshakeResponse::Serde(Io& io, int16_t /*version*/) {
  io.Int16(error_code);
  StringArray(io, mechanisms);
}

EVENTLOG_KAFKA_SERDE(SaslHandshakeRequest);
EVENTLOG_KAFKA_SERDE(SaslHandshakeResponse);

}  // namespace eventlog::kafka

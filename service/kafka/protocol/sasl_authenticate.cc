#include "service/kafka/protocol/sasl_authenticate.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void SaslAuthenticateRequest::Serde(Io& io, int16_t /*version*/) {
  io.Bytes(auth_bytes);
  io.TaggedFields();
}

template <typename Io>
void SaslAuthenticateResponse::Serde(Io& io, int16_t version) {
  io.Int16(error_code);
  io.NullableString(error_message);
  io.Bytes(auth_bytes);
  if (version >= 1) io.Int64(session_lifetime_ms);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(SaslAuthenticateRequest);
EVENTLOG_KAFKA_SERDE(SaslAuthenticateResponse);

}  // namespace eventlog::kafka

#include "service/kafka/protocol/find_coordinator.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void FindCoordinatorRequest::Serde(Io& io, int16_t version) {
  io.String(key);
  if (version >= 1) io.Int8(key_type);
  io.TaggedFields();
}

template <typename Io>
void FindCoordinatorResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  io.Int16(error_code);
  if (version >= 1) io.NullableString(error_message);
  io.Int32(node_id);
  io.String(host);
  io.Int32(port);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(FindCoordinatorRequest);
EVENTLOG_KAFKA_SERDE(FindCoordinatorResponse);

}  // namespace eventlog::kafka

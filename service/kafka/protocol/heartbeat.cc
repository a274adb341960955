#include "service/kafka/protocol/heartbeat.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void HeartbeatRequest::Serde(Io& io, int16_t version) {
  io.String(group_id);
  io.Int32(generation_id);
  io.String(member_id);
  if (version >= 3) io.NullableString(group_instance_id);
  io.TaggedFields();
}

template <typename Io>
void HeartbeatResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  io.Int16(error_code);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(HeartbeatRequest);
EVENTLOG_KAFKA_SERDE(HeartbeatResponse);

}  // namespace eventlog::kafka

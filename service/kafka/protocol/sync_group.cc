#include "service/kafka/protocol/sync_group.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void SyncGroupRequest::Serde(Io& io, int16_t version) {
  io.String(group_id);
  io.Int32(generation_id);
  io.String(member_id);
  if (version >= 3) io.NullableString(group_instance_id);
  io.Array(assignments, [&](Assignment& assignment) {
    io.String(assignment.member_id);
    io.Bytes(assignment.assignment);
    io.TaggedFields();
  });
  io.TaggedFields();
}

template <typename Io>
void SyncGroupResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  io.Int16(error_code);
  io.Bytes(assignment);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(SyncGroupRequest);
EVENTLOG_KAFKA_SERDE(SyncGroupResponse);

}  // namespace eventlog::kafka

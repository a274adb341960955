#include "service/kafka/protocol/leave_group.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void LeaveGroupRequest::Serde(Io& io, int16_t version) {
  io.String(group_id);
  if (version <= 2) {
    io.String(member_id);
  } else {
    io.Array(members, [&](Member& member) {
      io.String(member.member_id);
      io.NullableString(member.group_instance_id);
      io.TaggedFields();
    });
  }
  io.TaggedFields();
}

template <typename Io>
void LeaveGroupResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  io.Int16(error_code);
  if (version >= 3) {
    io.Array(members, [&](Member& member) {
      io.String(member.member_id);
      io.NullableString(member.group_instance_id);
      io.Int16(member.error_code);
      io.TaggedFields();
    });
  }
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(LeaveGroupRequest);
EVENTLOG_KAFKA_SERDE(LeaveGroupResponse);

}  // namespace eventlog::kafka

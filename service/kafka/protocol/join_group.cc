#include "service/kafka/protocol/join_group.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void JoinGroupRequest::Serde(Io& io, int16_t version) {
  io.String(group_id);
  io.Int32(session_timeout_ms);
  if (version >= 1) io.Int32(rebalance_timeout_ms);
  io.String(member_id);
  if (version >= 5) io.NullableString(group_instance_id);
  io.String(protocol_type);
  io.Array(protocols, [&](Protocol& protocol) {
    io.String(protocol.name);
    io.Bytes(protocol.metadata);
    io.TaggedFields();
  });
  io.TaggedFields();
}

template <typename Io>
void JoinGroupResponse::Serde(Io& io, int16_t version) {
  if (version >= 2) io.Int32(throttle_time_ms);
  io.Int16(error_code);
  io.Int32(generation_id);
  io.String(protocol_name);
  io.String(leader);
  io.String(member_id);
  io.Array(members, [&](Member& member) {
    io.String(member.member_id);
    if (version >= 5) io.NullableString(member.group_instance_id);
    io.Bytes(member.metadata);
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(JoinGroupRequest);
EVENTLOG_KAFKA_SERDE(JoinGroupResponse);

}  // namespace eventlog::kafka

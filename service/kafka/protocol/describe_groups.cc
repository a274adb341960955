#include "service/kafka/protocol/describe_groups.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void DescribeGroupsRequest::Serde(Io& io, int16_t version) {
  StringArray(io, groups);
  if (version >= 3) io.Bool(include_authorized_operations);
  io.TaggedFields();
}

template <typename Io>
void DescribeGroupsResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  io.Array(groups, [&](Group& group) {
    io.Int16(group.error_code);
    io.String(group.group_id);
    io.String(group.group_state);
    io.String(group.protocol_type);
    io.String(group.protocol_data);
    io.Array(group.members, [&](Member& member) {
      io.String(member.member_id);
      if (version >= 4) io.NullableString(member.group_instance_id);
      io.String(member.client_id);
      io.String(member.client_host);
      io.Bytes(member.member_metadata);
      io.Bytes(member.member_assignment);
      io.TaggedFields();
    });
    if (version >= 3) io.Int32(group.authorized_operations);
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(DescribeGroupsRequest);
EVENTLOG_KAFKA_SERDE(DescribeGroupsResponse);

}  // namespace eventlog::kafka

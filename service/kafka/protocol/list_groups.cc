#include "service/kafka/protocol/list_groups.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void ListGroupsRequest::Serde(Io& io, int16_t version) {
  if (version >= 4) StringArray(io, states_filter);
  io.TaggedFields();
}

template <typename Io>
void ListGroupsResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  io.Int16(error_code);
  io.Array(groups, [&](Group& group) {
    io.String(group.group_id);
    io.String(group.protocol_type);
    if (version >= 4) io.String(group.group_state);
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(ListGroupsRequest);
EVENTLOG_KAFKA_SERDE(ListGroupsResponse);

}  // namespace eventlog::kafka

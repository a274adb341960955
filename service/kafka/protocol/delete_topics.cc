#include "service/kafka/protocol/delete_topics.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void DeleteTopicsRequest::Serde(Io& io, int16_t /*version*/) {
  StringArray(io, topic_names);
  io.Int32(timeout_ms);
  io.TaggedFields();
}

template <typename Io>
void DeleteTopicsResponse::Serde(Io& io, int16_t version) {
  if (version >= 1) io.Int32(throttle_time_ms);
  io.Array(responses, [&](Result& result) {
    io.String(result.name);
    io.Int16(result.error_code);
    io.TaggedFields();
  });
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(DeleteTopicsRequest);
EVENTLOG_KAFKA_SERDE(DeleteTopicsResponse);

}  // namespace eventlog::kafka

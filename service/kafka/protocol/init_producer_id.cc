#include "service/kafka/protocol/init_producer_id.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void InitProducerIdRequest::Serde(Io& io, int16_t version) {
  io.NullableString(transactional_id);
  io.Int32(transaction_timeout_ms);
  if (version >= 3) {
    io.Int64(producer_id);
    io.Int16(producer_epoch);
  }
  io.TaggedFields();
}

template <typename Io>
void InitProducerIdResponse::Serde(Io& io, int16_t /*version*/) {
  io.Int32(throttle_time_ms);
  io.Int16(error_code);
  io.Int64(producer_id);
  io.Int16(producer_epoch);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(InitProducerIdRequest);
EVENTLOG_KAFKA_SERDE(InitProducerIdResponse);

}  // namespace eventlog::kafka

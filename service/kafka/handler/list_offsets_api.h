// Kafka's ListOffsets: per partition the earliest offset (-2), the latest
// (-1: the high watermark, what consumers may read) or the first offset
// whose record timestamp is >= a time, with that record's timestamp (-1 and
// -1 when no record is that recent, as Kafka). v0 answers in its old
// array form. `read` ACL on the topic; partitions led elsewhere are
// NOT_LEADER_OR_FOLLOWER.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>

#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/protocol/list_offsets.h"

namespace eventlog::kafka {

ListOffsetsResponse HandleListOffsets(const KafkaHandlerEnv& env, const std::string& principal,
                                      const ListOffsetsRequest& request, int16_t version);

}  // namespace eventlog::kafka

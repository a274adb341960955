// Kafka's topic administration: CreateTopics and DeleteTopics, each topic
// on its own (one topic's error does not stop the others), with the
// `admin` ACL operation as gRPC CreateTopic/DeleteTopic. Kafka topic
// configs map to eventlog's (docs/KAFKA.md): retention.ms,
// retention.bytes, cleanup.policy, max.message.bytes, segment.bytes,
// segment.ms, delete.retention.ms, message.timestamp.type; any other config
// is INVALID_CONFIG. A replication factor above 1 on a single broker is
// INVALID_REPLICATION_FACTOR; explicit replica assignments are refused.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>

#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/protocol/create_topics.h"
#include "service/kafka/protocol/delete_topics.h"

namespace eventlog::kafka {

CreateTopicsResponse HandleCreateTopics(const KafkaHandlerEnv& env, const std::string& principal,
                                        const CreateTopicsRequest& request);

DeleteTopicsResponse HandleDeleteTopics(const KafkaHandlerEnv& env, const std::string& principal,
                                        const DeleteTopicsRequest& request);

}  // namespace eventlog::kafka

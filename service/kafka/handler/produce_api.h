// Kafka's Produce and InitProducerId. Each partition's records (one
// RecordBatch v2, any codec) go to the broker core as they came
// (Broker::AppendBatch): no record is decoded into another form or
// re-encoded. acks 1 is ACKS_LEADER, -1 ACKS_ALL, 0 no answer (the listener
// sends none). Per partition: the `write` ACL on the topic, this broker
// leading it (else NOT_LEADER_OR_FOLLOWER), magic 2 (message sets v0/v1 of
// Produce v0-2 clients get UNSUPPORTED_FOR_MESSAGE_FORMAT). An idempotent
// producer's retry is answered with the original offsets.
//
// InitProducerId: Kafka asks for IDEMPOTENT_WRITE on the cluster or WRITE
// on any topic; eventlog's ACLs have no cluster resource, so a principal
// that may write to no topic at all gets CLUSTER_AUTHORIZATION_FAILED.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>

#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/kafka_request_handler.h"
#include "service/kafka/protocol/init_producer_id.h"
#include "service/kafka/protocol/produce.h"

namespace eventlog::kafka {

// `done` runs once every partition is answered (maybe inline).
void HandleProduce(const KafkaHandlerEnv& env, const std::string& principal,
                   ProduceRequest request, KafkaResponseCallback done);

InitProducerIdResponse HandleInitProducerId(const KafkaHandlerEnv& env,
                                            const std::string& principal,
                                            const InitProducerIdRequest& request);

}  // namespace eventlog::kafka

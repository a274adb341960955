// The Kafka APIs that say where things are: Metadata (brokers, topics,
// partition leaders) and FindCoordinator (a group's coordinator). Topics
// are never created by Metadata (auto-creation is off: create topics
// explicitly, over either protocol). A principal sees only the topics it
// may read, write or administer, as with gRPC ListTopics.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>

#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/protocol/find_coordinator.h"
#include "service/kafka/protocol/metadata.h"

namespace eventlog::kafka {

MetadataResponse HandleMetadata(const KafkaHandlerEnv& env, const std::string& principal,
                                const MetadataRequest& request);

FindCoordinatorResponse HandleFindCoordinator(const KafkaHandlerEnv& env,
                                              const std::string& principal,
                                              const FindCoordinatorRequest& request);

}  // namespace eventlog::kafka

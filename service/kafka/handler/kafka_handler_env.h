// KafkaHandlerEnv: what the Kafka front door's API handlers work with: the
// broker core, access control, where partitions and groups are served, and
// deadlines. Every pointer outlives the handlers (KafkaBrokerHandler owns
// or borrows them).
#pragma once

#include "service/broker/broker.h"
#include "service/kafka/handler/kafka_access.h"
#include "service/kafka/handler/kafka_cluster_view.h"
#include "service/kafka/handler/kafka_timers.h"

namespace eventlog::kafka {

struct KafkaHandlerEnv {
  broker::Broker* broker = nullptr;
  const KafkaAccess* access = nullptr;
  const KafkaClusterView* view = nullptr;
  KafkaTimers* timers = nullptr;
};

}  // namespace eventlog::kafka

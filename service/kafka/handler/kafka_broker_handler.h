// KafkaBrokerHandler: the Kafka front door's KafkaRequestHandler on the
// broker core, next to the gRPC service (service/server/) and like it
// calling only broker types. It resolves the connection's principal and
// hands each API to its handler (metadata_api, admin_api, produce_api,
// fetch_operation, list_offsets_api, group_api, offsets_api,
// group_admin_api); errors become Kafka error codes in one place
// (kafka_error_mapping). Quick requests are answered inline on the
// listener's thread; Produce with acks, long-polling Fetch, JoinGroup and
// SyncGroup answer later from the thread that completes them.
//
// Thread-safe. Shutdown order: Broker::Shutdown, then the listener, then
// this handler (whose deadline thread stops in its destructor).
#pragma once

#include <memory>

#include "service/broker/broker.h"
#include "service/kafka/handler/kafka_access.h"
#include "service/kafka/handler/kafka_cluster_view.h"
#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/handler/kafka_timers.h"
#include "service/kafka/kafka_request_handler.h"
#include "service/security/access_controller.h"

namespace eventlog::kafka {

class KafkaBrokerHandler final : public KafkaRequestHandler {
 public:
  // All must outlive the handler; `access` may be null (everything open).
  KafkaBrokerHandler(broker::Broker* broker, const security::AccessController* access,
                     const KafkaClusterView* view);

  void Handle(const KafkaConnectionContext& context, const RequestHeader& header,
              KafkaRequest request, KafkaResponseCallback done) override;

  const KafkaAccess& access() const { return access_; }

 private:
  const KafkaAccess access_;
  KafkaTimers timers_;
  const KafkaHandlerEnv env_;
};

}  // namespace eventlog::kafka

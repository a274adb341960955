#include "service/kafka/handler/kafka_broker_handler.h"

#include <type_traits>
#include <utility>

#include "service/kafka/handler/admin_api.h"
#include "service/kafka/handler/fetch_operation.h"
#include "service/kafka/handler/group_admin_api.h"
#include "service/kafka/handler/group_api.h"
#include "service/kafka/handler/list_offsets_api.h"
#include "service/kafka/handler/metadata_api.h"
#include "service/kafka/handler/offsets_api.h"
#include "service/kafka/handler/produce_api.h"

namespace eventlog::kafka {

KafkaBrokerHandler::KafkaBrokerHandler(broker::Broker* broker,
                                       const security::AccessController* access,
                                       const KafkaClusterView* view)
    : access_(access), env_{broker, &access_, view, &timers_} {}

void KafkaBrokerHandler::Handle(const KafkaConnectionContext& context, const RequestHeader& header,
                                KafkaRequest request, KafkaResponseCallback done) {
  const std::string principal = access_.Principal(context);
  const int16_t version = header.api_version;
  std::visit(
      [&](auto&& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, ProduceRequest>) {
          HandleProduce(env_, principal, std::move(r), std::move(done));
        } else if constexpr (std::is_same_v<T, FetchRequest>) {
          FetchOperation::Start(env_, principal, std::move(r), std::move(done));
        } else if constexpr (std::is_same_v<T, ListOffsetsRequest>) {
          std::move(done)(HandleListOffsets(env_, principal, r, version));
        } else if constexpr (std::is_same_v<T, MetadataRequest>) {
          std::move(done)(HandleMetadata(env_, principal, r));
        } else if constexpr (std::is_same_v<T, OffsetCommitRequest>) {
          std::move(done)(HandleOffsetCommit(env_, principal, r));
        } else if constexpr (std::is_same_v<T, OffsetFetchRequest>) {
          std::move(done)(HandleOffsetFetch(env_, principal, r));
        } else if constexpr (std::is_same_v<T, FindCoordinatorRequest>) {
          std::move(done)(HandleFindCoordinator(env_, principal, r));
        } else if constexpr (std::is_same_v<T, JoinGroupRequest>) {
          HandleJoinGroup(env_, context, principal, std::move(r), std::move(done));
        } else if constexpr (std::is_same_v<T, SyncGroupRequest>) {
          HandleSyncGroup(env_, principal, std::move(r), std::move(done));
        } else if constexpr (std::is_same_v<T, HeartbeatRequest>) {
          std::move(done)(HandleHeartbeat(env_, principal, r));
        } else if constexpr (std::is_same_v<T, LeaveGroupRequest>) {
          std::move(done)(HandleLeaveGroup(env_, principal, r, version));
        } else if constexpr (std::is_same_v<T, DescribeGroupsRequest>) {
          std::move(done)(HandleDescribeGroups(env_, principal, r));
        } else if constexpr (std::is_same_v<T, ListGroupsRequest>) {
          std::move(done)(HandleListGroups(env_, principal, r));
        } else if constexpr (std::is_same_v<T, CreateTopicsRequest>) {
          std::move(done)(HandleCreateTopics(env_, principal, r));
        } else if constexpr (std::is_same_v<T, DeleteTopicsRequest>) {
          std::move(done)(HandleDeleteTopics(env_, principal, r));
        } else if constexpr (std::is_same_v<T, InitProducerIdRequest>) {
          std::move(done)(HandleInitProducerId(env_, principal, r));
        } else {
          // ApiVersions and SASL: the listener answers them itself.
          std::move(done)(EmptyResponseFor(ApiKeyOf(KafkaRequest(std::move(r)))));
        }
      },
      request);
}

}  // namespace eventlog::kafka

#include "service/kafka/handler/produce_api.h"

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/kafka/handler/kafka_error_mapping.h"

namespace eventlog::kafka {
namespace {

using security::Operation;
using security::ResourceType;

// Byte 16 of a record batch (or message set entry) is its magic.
constexpr size_t kMagicPos = 16;

// The answers of one Produce, filled by appends completing on any thread;
// the last one sends the response.
struct ProduceState {
  ProduceResponse response;
  std::atomic<int> pending{1};  // one for the dispatching thread
  KafkaResponseCallback done;

  void Release() {
    if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) std::move(done)(std::move(response));
  }
};

struct Append {
  ProduceResponse::PartitionResponse* slot;
  broker::BatchAppendRequest request;
};

void Fail(ProduceResponse::PartitionResponse* slot, ErrorCode code, std::string message) {
  slot->error_code = Wire(code);
  slot->error_message = std::move(message);
}

}  // namespace

void HandleProduce(const KafkaHandlerEnv& env, const std::string& principal,
                   ProduceRequest request, KafkaResponseCallback done) {
  auto state = std::make_shared<ProduceState>();
  state->done = std::move(done);
  storage::Durability durability = storage::Durability::kAll;
  ErrorCode request_error = ErrorCode::kNone;
  std::string request_message;
  if (request.acks == 1 || request.acks == 0) {
    durability = storage::Durability::kLeader;
  } else if (request.acks != -1) {
    request_error = ErrorCode::kInvalidRequiredAcks;
    request_message = absl::StrCat("acks ", request.acks, " is not 0, 1 or -1 (all)");
  }
  if (request.transactional_id.has_value()) {
    request_error = ErrorCode::kTransactionalIdAuthorizationFailed;
    request_message = "transactions are not supported";
  }
  // Slots first (the response must not move once appends point into it).
  ProduceResponse& response = state->response;
  response.responses.reserve(request.topic_data.size());
  for (const ProduceRequest::TopicData& topic : request.topic_data) {
    ProduceResponse::TopicResponse& out = response.responses.emplace_back();
    out.name = topic.name;
    out.partition_responses.resize(topic.partition_data.size());
  }
  std::vector<Append> appends;
  for (size_t t = 0; t < request.topic_data.size(); ++t) {
    ProduceRequest::TopicData& topic = request.topic_data[t];
    const bool allowed =
        env.access->Allows(principal, Operation::kWrite, ResourceType::kTopic, topic.name);
    for (size_t p = 0; p < topic.partition_data.size(); ++p) {
      ProduceRequest::PartitionData& partition = topic.partition_data[p];
      ProduceResponse::PartitionResponse* slot = &response.responses[t].partition_responses[p];
      slot->index = partition.index;
      if (request_error != ErrorCode::kNone) {
        Fail(slot, request_error, request_message);
      } else if (!allowed) {
        Fail(slot, ErrorCode::kTopicAuthorizationFailed,
             absl::StrCat("principal ", principal, " may not write to topic ", topic.name));
      } else if (env.view->Leader(topic.name, partition.index) != env.view->node_id()) {
        Fail(slot, ErrorCode::kNotLeaderOrFollower,
             absl::StrCat("partition ", partition.index, " of ", topic.name,
                          " is not led by this broker"));
      } else if (!partition.records.has_value() || partition.records->size() <= kMagicPos) {
        Fail(slot, ErrorCode::kCorruptMessage, "no record batch");
      } else if ((*partition.records)[kMagicPos] < 2) {
        Fail(slot, ErrorCode::kUnsupportedForMessageFormat,
             "message format v0/v1 (magic 0/1) is not supported: use Produce v3 or later");
      } else {
        appends.push_back(Append{slot, broker::BatchAppendRequest{topic.name, partition.index,
                                                                  *std::move(partition.records),
                                                                  durability}});
      }
    }
  }
  state->pending.fetch_add(static_cast<int>(appends.size()), std::memory_order_relaxed);
  for (Append& append : appends) {
    // The topic name view points into `request`, alive until AppendBatch
    // returns (it validates before that).
    env.broker->AppendBatch(
        std::move(append.request),
        [state, slot = append.slot](absl::StatusOr<broker::BatchAppendResult> result) {
          if (result.ok()) {
            slot->base_offset = result->base_offset;
            slot->log_append_time_ms = result->log_append_time_ms;
            slot->log_start_offset = result->log_start_offset;
          } else {
            Fail(slot, ToKafkaError(result.status(), CallKind::kProduce),
                 std::string(result.status().message()));
          }
          state->Release();
        });
  }
  state->Release();
}

InitProducerIdResponse HandleInitProducerId(const KafkaHandlerEnv& env,
                                            const std::string& principal,
                                            const InitProducerIdRequest& request) {
  InitProducerIdResponse response;
  if (request.transactional_id.has_value()) {
    response.error_code = Wire(ErrorCode::kTransactionalIdAuthorizationFailed);
    return response;
  }
  // A producer id is only of use for writing; one that may write nowhere
  // must not be able to use up producer ids either.
  if (!env.access->AllowsSome(principal, Operation::kWrite, ResourceType::kTopic)) {
    response.error_code = Wire(ErrorCode::kClusterAuthorizationFailed);
    return response;
  }
  absl::StatusOr<broker::ProducerIdAndEpoch> id =
      env.broker->InitProducerId(request.producer_id, request.producer_epoch);
  if (!id.ok()) {
    response.error_code = absl::IsInvalidArgument(id.status())
                              ? Wire(ErrorCode::kInvalidProducerEpoch)
                              : KafkaErrorOf(id.status(), CallKind::kProduce);
    return response;
  }
  response.producer_id = id->producer_id;
  response.producer_epoch = id->producer_epoch;
  return response;
}

}  // namespace eventlog::kafka

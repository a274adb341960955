#include "service/server/forwarding.h"

#include <grpcpp/impl/rpc_method.h>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/broker/partition_route.h"
#include "service/server/status_mapping.h"

namespace eventlog::service {

bool IsForwarded(const grpc::CallbackServerContext& context) {
  return context.client_metadata().find(kForwardedKey) != context.client_metadata().end();
}

void MarkForwarded(grpc::ClientContext* context, int32_t broker_id) {
  context->AddMetadata(kForwardedKey, absl::StrCat(broker_id));
}

std::optional<std::string> TrailingValue(const grpc::ClientContext& context,
                                         absl::string_view key) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(grpc::string_ref(key.data(), key.size()));
  if (it == trailers.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

absl::Status FromForwardedCall(const grpc::Status& status, const grpc::ClientContext& context) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (std::optional<std::string> leader = TrailingValue(context, kLeaderKey)) {
    result.SetPayload(broker::kLeaderPayload, absl::Cord(*leader));
  }
  return result;
}

void AddLeaderTrailer(grpc::CallbackServerContext* context, const absl::Status& status) {
  if (status.ok()) return;
  if (std::optional<std::string> leader = broker::LeaderAddress(status)) {
    context->AddTrailingMetadata(kLeaderKey, *leader);
  }
}

grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      const absl::Status& status) {
  AddLeaderTrailer(context, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

void PrepareRawSubscribe(grpc::ChannelInterface* channel, grpc::ClientContext* context,
                         const grpc::ByteBuffer* request,
                         grpc::ClientReadReactor<grpc::ByteBuffer>* reactor) {
  // What the generated stub does for Subscribe, with ByteBuffer messages.
  static const grpc::internal::RpcMethod kSubscribe("/eventlog.v1.EventLog/Subscribe",
                                                    grpc::internal::RpcMethod::SERVER_STREAMING);
  grpc::internal::ClientCallbackReaderFactory<grpc::ByteBuffer>::Create(channel, kSubscribe,
                                                                        context, request, reactor);
}

std::string FormatStartOffsets(const std::vector<std::pair<int32_t, int64_t>>& offsets) {
  std::string text;
  for (const auto& [partition, offset] : offsets) {
    absl::StrAppend(&text, text.empty() ? "" : ",", partition, ":", offset);
  }
  return text;
}

std::vector<std::pair<int32_t, int64_t>> ParseStartOffsets(absl::string_view text) {
  std::vector<std::pair<int32_t, int64_t>> offsets;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(item, ':');
    int32_t partition = 0;
    int64_t offset = 0;
    if (absl::SimpleAtoi(parts.first, &partition) && absl::SimpleAtoi(parts.second, &offset)) {
      offsets.emplace_back(partition, offset);
    }
  }
  return offsets;
}

}  // namespace eventlog::service

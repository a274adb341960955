#include "service/kafka/protocol/kafka_response.h"

#include "service/kafka/protocol/message_codec.h"
#include "storage/util/coding.h"

namespace eventlog::kafka {

ApiKey ApiKeyOf(const KafkaResponse& response) {
  return std::visit([](const auto& r) { return std::decay_t<decltype(r)>::kApiKey; }, response);
}

namespace {

template <size_t... I>
KafkaResponse EmptyResponseFor(ApiKey key, std::index_sequence<I...>) {
  KafkaResponse response;
  auto try_one = [&](auto tag) {
    using M = typename decltype(tag)::type;
    if (M::kApiKey == key) response = M{};
  };
  (try_one(std::type_identity<std::variant_alternative_t<I, KafkaResponse>>{}), ...);
  return response;
}

}  // namespace

KafkaResponse EmptyResponseFor(ApiKey key) {
  return EmptyResponseFor(key, std::make_index_sequence<std::variant_size_v<KafkaResponse>>{});
}

std::string EncodeResponseFrame(int32_t correlation_id, int16_t version,
                                const KafkaResponse& response) {
  std::string frame(4, '\0');
  AppendResponseHeader(correlation_id, ResponseHeaderVersion(ApiKeyOf(response), version), &frame);
  std::visit([&](const auto& r) { EncodeMessage(r, version, &frame); }, response);
  std::string size;
  util::coding::AppendBigEndian32(&size, static_cast<uint32_t>(frame.size() - 4));
  frame.replace(0, 4, size);
  return frame;
}

absl::StatusOr<KafkaResponse> DecodeResponseFrame(int16_t api_key, int16_t version,
                                                  absl::string_view frame,
                                                  int32_t* correlation_id) {
  const ApiSupport* api = FindApi(api_key);
  if (api == nullptr) return absl::UnimplementedError("unknown API key");
  KafkaReader header(frame, /*flexible=*/true);
  header.Int32(*correlation_id);
  if (ResponseHeaderVersion(api->key, version) >= 1) header.TaggedFields();
  if (!header.ok()) return header.status();
  return DecodeAlternative<KafkaResponse>(api_key, version,
                                          frame.substr(frame.size() - header.remaining()));
}

}  // namespace eventlog::kafka

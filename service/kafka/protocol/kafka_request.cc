#include "service/kafka/protocol/kafka_request.h"

#include "service/kafka/protocol/message_codec.h"
#include "storage/util/coding.h"

namespace eventlog::kafka {

ApiKey ApiKeyOf(const KafkaRequest& request) {
  return std::visit([](const auto& r) { return std::decay_t<decltype(r)>::kApiKey; }, request);
}

absl::StatusOr<KafkaRequest> DecodeRequest(int16_t api_key, int16_t version,
                                           absl::string_view body) {
  return DecodeAlternative<KafkaRequest>(api_key, version, body);
}

std::string EncodeRequestFrame(const RequestHeader& header, const KafkaRequest& request) {
  std::string frame(4, '\0');
  frame += header.Encode();
  std::visit([&](const auto& r) { EncodeMessage(r, header.api_version, &frame); }, request);
  std::string size;
  util::coding::AppendBigEndian32(&size, static_cast<uint32_t>(frame.size() - 4));
  frame.replace(0, 4, size);
  return frame;
}

}  // namespace eventlog::kafka

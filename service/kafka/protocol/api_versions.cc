#include "service/kafka/protocol/api_versions.h"

#include "service/kafka/protocol/message_codec.h"

namespace eventlog::kafka {

template <typename Io>
void ApiVersionsRequest::Serde(Io& io, int16_t version) {
  if (version >= 3) {
    io.String(client_software_name);
    io.String(client_software_version);
  }
  io.TaggedFields();
}

ApiVersionsResponse ApiVersionsResponse::ForSupportedApis(int16_t error_code) {
  ApiVersionsResponse response;
  response.error_code = error_code;
  for (const ApiSupport& api : SupportedApis()) {
    response.api_keys.push_back({static_cast<int16_t>(api.key), api.min_version, api.max_version});
  }
  return response;
}

template <typename Io>
void ApiVersionsResponse::Serde(Io& io, int16_t version) {
  io.Int16(error_code);
  io.Array(api_keys, [&](ApiVersion& api) {
    io.Int16(api.api_key);
    io.Int16(api.min_version);
    io.Int16(api.max_version);
    io.TaggedFields();
  });
  if (version >= 1) io.Int32(throttle_time_ms);
  io.TaggedFields();
}

EVENTLOG_KAFKA_SERDE(ApiVersionsRequest);
EVENTLOG_KAFKA_SERDE(ApiVersionsResponse);

}  // namespace eventlog::kafka

// ApiVersions (key 18), versions 0-3 (3 is flexible): which API versions this
// server speaks. The response always goes out with response header v0.
//
// Plain value types; Serde is defined in api_versions.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct ApiVersionsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kApiVersions;
  std::string client_software_name;     // v3+
  std::string client_software_version;  // v3+

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct ApiVersionsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kApiVersions;
  struct ApiVersion {
    int16_t api_key = 0;
    int16_t min_version = 0;
    int16_t max_version = 0;
  };
  int16_t error_code = 0;
  std::vector<ApiVersion> api_keys;
  int32_t throttle_time_ms = 0;  // v1+

  // The response listing the API table (SupportedApis()) with `error_code`;
  // with UNSUPPORTED_VERSION it is sent as v0, which every client reads.
  static ApiVersionsResponse ForSupportedApis(int16_t error_code);

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

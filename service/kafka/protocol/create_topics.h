// CreateTopics (key 19), versions 0-4.
//
// Plain value types; Serde is defined in create_topics.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct CreateTopicsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kCreateTopics;
  struct Assignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = -1;  // -1: the broker default
    int16_t replication_factor = -1;
    std::vector<Assignment> assignments;
    std::vector<Config> configs;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;  // v1+

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct CreateTopicsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kCreateTopics;
  struct Result {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;  // v1+
  };
  int32_t throttle_time_ms = 0;  // v2+
  std::vector<Result> topics;

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

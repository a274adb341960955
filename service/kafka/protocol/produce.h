// Produce (key 0), versions 0-8. A partition's records are opaque bytes
// here; storage validates them and accepts RecordBatch v2 only (what v3+
// carries; v0-2 carry message sets v0/v1, which are refused there). With
// acks = 0 the server sends no response.
//
// Plain value types; Serde is defined in produce.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct ProduceRequest {
  static constexpr ApiKey kApiKey = ApiKey::kProduce;
  struct PartitionData {
    int32_t index = 0;
    std::optional<std::string> records;  // record batches, unparsed
  };
  struct TopicData {
    std::string name;
    std::vector<PartitionData> partition_data;
  };
  std::optional<std::string> transactional_id;  // v3+
  int16_t acks = -1;                            // 0 none, 1 leader, -1 all
  int32_t timeout_ms = 0;
  std::vector<TopicData> topic_data;

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct ProduceResponse {
  static constexpr ApiKey kApiKey = ApiKey::kProduce;
  struct RecordError {
    int32_t batch_index = 0;
    std::optional<std::string> batch_index_error_message;
  };
  struct PartitionResponse {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = -1;
    int64_t log_append_time_ms = -1;           // v2+
    int64_t log_start_offset = -1;             // v5+
    std::vector<RecordError> record_errors;    // v8+
    std::optional<std::string> error_message;  // v8+
  };
  struct TopicResponse {
    std::string name;
    std::vector<PartitionResponse> partition_responses;
  };
  std::vector<TopicResponse> responses;
  int32_t throttle_time_ms = 0;  // v1+

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

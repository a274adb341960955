// OffsetFetch (key 9), versions 0-7 (6 and 7 are flexible): a group's
// committed positions, for some partitions or (v2+, topics null) all.
//
// Plain value types; Serde is defined in offset_fetch.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct OffsetFetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetFetch;
  struct Topic {
    std::string name;
    std::vector<int32_t> partition_indexes;
  };
  std::string group_id;
  // nullopt (v2+): every partition the group committed.
  std::optional<std::vector<Topic>> topics;
  bool require_stable = false;  // v7+

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct OffsetFetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetFetch;
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = -1;
    int32_t committed_leader_epoch = -1;  // v5+
    std::optional<std::string> metadata;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  int32_t throttle_time_ms = 0;  // v3+
  std::vector<Topic> topics;
  int16_t error_code = 0;  // v2+

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

// ListGroups (key 16), versions 0-4 (3 and 4 are flexible; 4 filters by
// state).
//
// Plain value types; Serde is defined in list_groups.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct ListGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kListGroups;
  std::vector<std::string> states_filter;  // v4+; empty: every state

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct ListGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kListGroups;
  struct Group {
    std::string group_id;
    std::string protocol_type;
    std::string group_state;  // v4+
  };
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::vector<Group> groups;

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

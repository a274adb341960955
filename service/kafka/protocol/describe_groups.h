// DescribeGroups (key 15), versions 0-4: state, protocol and members of
// groups.
//
// Plain value types; Serde is defined in describe_groups.cc.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct DescribeGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kDescribeGroups;
  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

struct DescribeGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kDescribeGroups;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v4+
    std::string client_id;
    std::string client_host;
    std::string member_metadata;
    std::string member_assignment;
  };
  struct Group {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;  // Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
    std::string protocol_type;
    std::string protocol_data;  // the chosen assignor
    std::vector<Member> members;
    int32_t authorized_operations = INT32_MIN;  // v3+; INT32_MIN: not asked for
  };
  int32_t throttle_time_ms = 0;  // v1+
  std::vector<Group> groups;

  template <typename Io>
  void Serde(Io& io, int16_t version);
};

}  // namespace eventlog::kafka

// The Kafka API keys this server knows, with the request and response
// header versions each version uses. Stateless; thread-safe.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace eventlog::kafka {

// The values are the protocol's API keys.
enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kInitProducerId = 22,
  kSaslAuthenticate = 36,
};

// "Produce", "Fetch", ... as the protocol guide names them.
absl::string_view ApiKeyName(ApiKey key);

}  // namespace eventlog::kafka

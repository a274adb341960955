#include "service/kafka/protocol/api_versions_table.h"

#include <algorithm>

namespace eventlog::kafka {
namespace {

// Every max is the newest version one of librdkafka 2.0.2, kafka-python
// 2.0.2 and kafkajs 2.x implements (docs/KAFKA.md). Every min is 0, Produce
// and Fetch included although only RecordBatch v2 is stored: librdkafka
// derives features from version ranges (it compresses with gzip, snappy or
// lz4 only if Produce v0 is supported, and wants Produce/Fetch 1-2 for
// throttling and message format v1), and any client that can do better
// negotiates the newest version anyway.
constexpr ApiSupport kApis[] = {
    {ApiKey::kProduce, 0, 8, 9},          {ApiKey::kFetch, 0, 11, 12},
    {ApiKey::kListOffsets, 0, 5, 6},      {ApiKey::kMetadata, 0, 6, 9},
    {ApiKey::kOffsetCommit, 0, 7, 8},     {ApiKey::kOffsetFetch, 0, 7, 6},
    {ApiKey::kFindCoordinator, 0, 2, 3},  {ApiKey::kJoinGroup, 0, 5, 6},
    {ApiKey::kHeartbeat, 0, 3, 4},        {ApiKey::kLeaveGroup, 0, 3, 4},
    {ApiKey::kSyncGroup, 0, 3, 4},        {ApiKey::kDescribeGroups, 0, 4, 5},
    {ApiKey::kListGroups, 0, 4, 3},       {ApiKey::kSaslHandshake, 0, 1, kNeverFlexible},
    {ApiKey::kApiVersions, 0, 3, 3},      {ApiKey::kCreateTopics, 0, 4, 5},
    {ApiKey::kDeleteTopics, 0, 3, 4},     {ApiKey::kInitProducerId, 0, 4, 2},
    {ApiKey::kSaslAuthenticate, 0, 1, 2},
};

}  // namespace

absl::Span<const ApiSupport> SupportedApis() { return kApis; }

const ApiSupport* FindApi(int16_t api_key) {
  for (const ApiSupport& api : kApis) {
    if (static_cast<int16_t>(api.key) == api_key) return &api;
  }
  return nullptr;
}

bool IsSupported(int16_t api_key, int16_t version) {
  const ApiSupport* api = FindApi(api_key);
  return api != nullptr && version >= api->min_version && version <= api->max_version;
}

bool IsFlexible(ApiKey key, int16_t version) {
  const ApiSupport* api = FindApi(static_cast<int16_t>(key));
  return api != nullptr && version >= api->first_flexible_version;
}

int16_t RequestHeaderVersion(ApiKey key, int16_t version) {
  return IsFlexible(key, version) ? 2 : 1;
}

int16_t ResponseHeaderVersion(ApiKey key, int16_t version) {
  if (key == ApiKey::kApiVersions) return 0;
  return IsFlexible(key, version) ? 1 : 0;
}

}  // namespace eventlog::kafka

// Keys of the store's LevelDB, one prefix byte per key space, integers
// big-endian so that bytewise order is numeric order. The full list is in
// docs/storage-format.md. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace eventlog::storage::index_keys {

// Key space prefixes.
inline constexpr char kStoreMeta = 'm';       // m<name> -> store-wide values
inline constexpr char kTopic = 't';           // t<topic id> -> topic record
inline constexpr char kOffsetIndex = 'o';     // o<topic id><partition><batch base offset>
inline constexpr char kTimeIndex = 'w';       // w<topic id><partition><max ts before><offset>
inline constexpr char kPartitionState = 's';  // s<topic id><partition> -> log start offset
inline constexpr char kCompaction = 'p';      // p<topic id><partition><segment base>
inline constexpr char kCommitted = 'c';       // c<len><group><len><topic><partition>

// Store metadata names (under kStoreMeta).
inline constexpr absl::string_view kNextTopicId = "next_topic_id";
// Present once the store initialized this LevelDB; its absence on a data
// directory with topic folders means the index was lost.
inline constexpr absl::string_view kLayoutVersion = "layout_version";

// <space><topic id:8> : every key of a topic in a partitioned key space.
std::string TopicPrefix(char space, uint64_t topic_id);
// <space><topic id:8><partition:4>
std::string PartitionPrefix(char space, uint64_t topic_id, int32_t partition);
// PartitionPrefix + <value:8>
std::string PartitionKey(char space, uint64_t topic_id, int32_t partition, uint64_t value);

std::string StoreMetaKey(absl::string_view name);
std::string TopicKey(uint64_t topic_id);

// The first byte past every key starting with `prefix` (for range ends).
std::string PrefixEnd(absl::string_view prefix);

}  // namespace eventlog::storage::index_keys

// Layout: every file name of a data directory and every LevelDB key of the
// store, in one place. docs/storage-format.md describes both; change them
// together (and the layout version, with a migration, when an existing
// directory would read differently).
//
//   <data_dir>/index/                          LevelDB
//   <data_dir>/topics/<topic id>/topic.meta    copy of the topic's record
//   <data_dir>/topics/<topic id>/<partition>/<20-digit base offset>.log
//                                              ... .log.cleaned  compaction output being written
//                                              ... .log.swap     compaction output, committed
//   <data_dir>/topics/<topic id>/<partition>/leader-epoch-checkpoint
//                                              where each leader epoch starts (replication)
//
// LevelDB keys: one prefix byte per key space, integers big-endian so that
// bytewise order is numeric order.
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace eventlog::storage::layout {

// ---- Store layout versions ------------------------------------------------
// 1: committed offsets keyed by topic name; compaction markers in LevelDB.
// 2: committed offsets keyed by topic id, group epochs, recovery points,
//    compaction by .swap files. A version 1 directory is migrated at open.
inline constexpr int kLayoutVersion = 2;

// ---- Files ------------------------------------------------------------------
inline constexpr absl::string_view kSegmentSuffix = ".log";
inline constexpr absl::string_view kCleanedSuffix = ".log.cleaned";
inline constexpr absl::string_view kSwapSuffix = ".log.swap";
inline constexpr absl::string_view kTopicMetaFile = "topic.meta";
inline constexpr absl::string_view kLeaderEpochsFile = "leader-epoch-checkpoint";

std::string IndexDir(const std::string& data_dir);
std::string TopicsDir(const std::string& data_dir);
std::string TopicDir(const std::string& data_dir, uint64_t topic_id);
std::string PartitionDir(const std::string& topic_dir, int32_t partition);
std::string TopicMetaPath(const std::string& topic_dir);
std::string LeaderEpochsPath(const std::string& partition_dir);

// "00000000000000000042.log": the base offset zero-padded to 20 digits, so
// that names sort like offsets.
std::string SegmentFileName(int64_t base_offset);
std::string SegmentPath(const std::string& partition_dir, int64_t base_offset);
std::string CleanedPath(const std::string& partition_dir, int64_t base_offset);
std::string SwapPath(const std::string& partition_dir, int64_t base_offset);

// The kind of a file in a partition folder, and its base offset.
enum class PartitionFile { kOther, kSegment, kCleaned, kSwap };
PartitionFile ParsePartitionFileName(absl::string_view name, int64_t* base_offset);

// ---- LevelDB key spaces -----------------------------------------------------
inline constexpr char kStoreMeta = 'm';         // m<name> -> store-wide values
inline constexpr char kTopic = 't';             // t<topic id> -> topic record
inline constexpr char kOffsetIndex = 'o';       // o<topic id><partition><batch base offset>
inline constexpr char kTimeIndex = 'w';         // w<topic id><partition><max ts before><offset>
inline constexpr char kLogStart = 's';          // s<topic id><partition> -> log start offset
inline constexpr char kRecoveryPoint = 'r';     // r<topic id><partition> -> recovery point
inline constexpr char kCleanerSeen = 'h';       // h<topic id><partition><segment base> -> ms
inline constexpr char kLegacyCompaction = 'p';  // layout 1: p<topic id><partition><segment base>
inline constexpr char kLegacyCommitted = 'c';   // layout 1: c<len><group><len><topic><partition>
inline constexpr char kCommitted = 'f';         // f<len><group><topic id><partition>
inline constexpr char kGroupEpoch = 'g';        // g<group> -> highest generation used
inline constexpr char kProducerSnapshot = 'q';  // q<topic id><partition> -> producer state

// Key spaces holding per-topic keys (<space><topic id>...), removed with the
// topic.
inline constexpr char kTopicKeySpaces[] = {kOffsetIndex,   kTimeIndex,        kLogStart,
                                           kRecoveryPoint, kCleanerSeen,      kLegacyCompaction,
                                           kProducerSnapshot};

// Store metadata names (under kStoreMeta).
inline constexpr absl::string_view kNextTopicId = "next_topic_id";
// The next block of producer ids (InitProducerId) not handed out yet.
inline constexpr absl::string_view kNextProducerId = "next_producer_id";
// The layout version; its absence on a data directory with topic folders
// means the index was lost.
inline constexpr absl::string_view kLayoutVersionKey = "layout_version";

// <space><topic id:8> : every key of a topic in a partitioned key space.
std::string TopicPrefix(char space, uint64_t topic_id);
// <space><topic id:8><partition:4>
std::string PartitionPrefix(char space, uint64_t topic_id, int32_t partition);
// PartitionPrefix + <value:8>
std::string PartitionKey(char space, uint64_t topic_id, int32_t partition, uint64_t value);

std::string StoreMetaKey(absl::string_view name);
std::string TopicKey(uint64_t topic_id);
std::string GroupEpochKey(absl::string_view group);
// kCommitted: the prefix of a group's commits, and one partition's key.
std::string CommittedGroupPrefix(absl::string_view group);
std::string CommittedKey(absl::string_view group, uint64_t topic_id, int32_t partition);

// The first byte string past every key starting with `prefix` (for range
// ends); "" when there is none (the prefix is all 0xff).
std::string PrefixEnd(absl::string_view prefix);

}  // namespace eventlog::storage::layout

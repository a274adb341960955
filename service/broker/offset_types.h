// Domain structs of committed offsets and consumer groups (CommitOffset,
// FetchCommittedOffsets, ListGroups, DescribeGroup), independent of gRPC and
// protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace eventlog::broker {

struct CommitOffsetRequest {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // the next offset to consume
  std::string metadata;
  int64_t generation = 0;  // 0 = a standalone consumer (refused while the group has members)
  std::string member_id;   // empty = not checked
};

struct PartitionCommit {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string metadata;
};

// Several partitions of one topic, committed all or none.
struct CommitOffsetsRequest {
  std::string group;
  std::string topic;
  int64_t generation = 0;
  std::string member_id;
  std::vector<PartitionCommit> offsets;
};

struct FetchCommittedRequest {
  std::string group;
  std::string topic;
  std::vector<int32_t> partitions;  // empty = all
};

struct GroupMemberInfo {
  std::string member_id;
  std::string topic;
  std::vector<int32_t> partitions;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed_offset = -1;  // -1: nothing committed
  int64_t high_watermark = 0;
  int64_t lag = 0;
};

struct GroupDescription {
  std::string group;
  int64_t generation = 0;
  std::vector<GroupMemberInfo> members;
  std::vector<PartitionLag> lags;
};

}  // namespace eventlog::broker

// ToyGroups: test-only consumer groups for the toy handler, just enough for
// one real consumer per group to join, get its assignment, heartbeat, commit
// and read back offsets, and leave; groups are listed and described. Every
// JoinGroup completes at once as a one-member generation (no waiting for
// other members), the joiner leads and gets its own subscription back.
//
// Not thread-safe; the toy handler guards it.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "service/kafka/protocol/kafka_request.h"
#include "service/kafka/protocol/kafka_response.h"

namespace eventlog::kafka::testing {

class ToyGroups {
 public:
  JoinGroupResponse Join(const JoinGroupRequest& request) {
    Group& group = groups_[request.group_id];
    JoinGroupResponse response;
    group.member_id =
        request.member_id.empty() ? absl::StrCat("member-", ++next_member_) : request.member_id;
    group.generation += 1;
    group.protocol_type = request.protocol_type;
    group.protocol = request.protocols.empty() ? "" : request.protocols.front().name;
    group.metadata = request.protocols.empty() ? "" : request.protocols.front().metadata;
    response.generation_id = group.generation;
    response.protocol_name = group.protocol;
    response.leader = group.member_id;
    response.member_id = group.member_id;
    response.members.push_back({group.member_id, request.group_instance_id, group.metadata});
    return response;
  }

  SyncGroupResponse Sync(const SyncGroupRequest& request) {
    Group& group = groups_[request.group_id];
    SyncGroupResponse response;
    for (const auto& assignment : request.assignments) {
      if (assignment.member_id == request.member_id) group.assignment = assignment.assignment;
    }
    response.assignment = group.assignment;
    return response;
  }

  OffsetCommitResponse Commit(const OffsetCommitRequest& request) {
    OffsetCommitResponse response;
    for (const auto& topic : request.topics) {
      auto& out = response.topics.emplace_back();
      out.name = topic.name;
      for (const auto& partition : topic.partitions) {
        committed_[{request.group_id, topic.name, partition.partition_index}] =
            partition.committed_offset;
        out.partitions.push_back({partition.partition_index, 0});
      }
    }
    return response;
  }

  OffsetFetchResponse Fetch(const OffsetFetchRequest& request) const {
    OffsetFetchResponse response;
    auto answer = [&](const std::string& topic, int32_t partition) {
      if (response.topics.empty() || response.topics.back().name != topic) {
        response.topics.emplace_back().name = topic;
      }
      auto it = committed_.find({request.group_id, topic, partition});
      OffsetFetchResponse::Partition& out = response.topics.back().partitions.emplace_back();
      out.partition_index = partition;
      out.committed_offset = it == committed_.end() ? -1 : it->second;
      out.metadata = "";
    };
    if (request.topics.has_value()) {
      for (const auto& topic : *request.topics) {
        for (int32_t partition : topic.partition_indexes) answer(topic.name, partition);
      }
    } else {
      for (const auto& [key, offset] : committed_) {
        if (std::get<0>(key) == request.group_id) answer(std::get<1>(key), std::get<2>(key));
      }
    }
    return response;
  }

  ListGroupsResponse List() const {
    ListGroupsResponse response;
    for (const auto& [id, group] : groups_) {
      response.groups.push_back({id, group.protocol_type, "Stable"});
    }
    return response;
  }

  DescribeGroupsResponse Describe(const DescribeGroupsRequest& request) const {
    DescribeGroupsResponse response;
    for (const std::string& id : request.groups) {
      auto& out = response.groups.emplace_back();
      out.group_id = id;
      auto it = groups_.find(id);
      if (it == groups_.end()) {
        out.group_state = "Dead";
        continue;
      }
      out.group_state = "Stable";
      out.protocol_type = it->second.protocol_type;
      out.protocol_data = it->second.protocol;
      out.members.push_back({it->second.member_id, std::nullopt, "client", "/127.0.0.1",
                             it->second.metadata, it->second.assignment});
    }
    return response;
  }

  // The committed offset of (group, topic, partition), or -1.
  int64_t Committed(const std::string& group, const std::string& topic, int32_t partition) const {
    auto it = committed_.find({group, topic, partition});
    return it == committed_.end() ? -1 : it->second;
  }

 private:
  struct Group {
    int32_t generation = 0;
    std::string member_id;
    std::string protocol_type;
    std::string protocol;
    std::string metadata;
    std::string assignment;
  };

  std::map<std::string, Group> groups_;
  std::map<std::tuple<std::string, std::string, int32_t>, int64_t> committed_;
  int next_member_ = 0;
};

}  // namespace eventlog::kafka::testing

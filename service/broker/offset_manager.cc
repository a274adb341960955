#include "service/broker/offset_manager.h"

#include <algorithm>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "service/broker/validation.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {

bool OffsetManager::IsLocal(absl::string_view topic, int32_t partition) const {
  return router_ == nullptr ||
         router_->Route(topic, partition).kind == PartitionRoute::Kind::kLocal;
}

absl::Status OffsetManager::Commit(const CommitOffsetRequest& request) {
  return CommitMany(
      CommitOffsetsRequest{request.group,
                           request.topic,
                           request.generation,
                           request.member_id,
                           {PartitionCommit{request.partition, request.offset, request.metadata}}});
}

absl::Status OffsetManager::CommitMany(const CommitOffsetsRequest& request) {
  RETURN_IF_ERROR(ValidateGroupName(request.group));
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, LookupTopic(*store_, request.topic));
  if (request.generation < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "generation ", request.generation, " is negative; use 0 for a standalone consumer"));
  }
  if (request.offsets.empty()) {
    return absl::InvalidArgumentError("the commit lists no partitions; list at least one");
  }
  std::vector<int32_t> partitions;
  partitions.reserve(request.offsets.size());
  for (const PartitionCommit& commit : request.offsets) {
    ASSIGN_OR_RETURN(std::shared_ptr<storage::PartitionLog> log,
                     LookupPartition(*topic, commit.partition));
    if (commit.offset < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "offset ", commit.offset, " is negative; commit the next offset to consume (>= 0)"));
    }
    if (commit.metadata.size() > static_cast<size_t>(options_.max_commit_metadata_bytes)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("commit metadata is ", commit.metadata.size(), " bytes; the limit is ",
                       options_.max_commit_metadata_bytes));
    }
    const int64_t high_watermark = log->high_watermark();
    if (commit.offset > high_watermark && IsLocal(request.topic, commit.partition)) {
      // Below log_start_offset is fine: the consumer was just slower than
      // retention. Past the end can only be a client bug.
      return absl::OutOfRangeError(
          absl::StrCat("cannot commit offset ", commit.offset, " for topic \"", topic->name(),
                       "\" partition ", commit.partition, ": it is past the high watermark ",
                       high_watermark, " (valid offsets are 0 to ", high_watermark, ")"));
    }
    partitions.push_back(commit.partition);
  }
  std::vector<int32_t> sorted = partitions;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return absl::InvalidArgumentError("the commit lists a partition more than once");
  }
  storage::OffsetStore& offsets = *offsets_;
  auto write = [&]() -> absl::Status {
    for (const PartitionCommit& commit : request.offsets) {
      RETURN_IF_ERROR(offsets.Write(request.group, topic->id(), commit.partition, commit.offset,
                                    commit.metadata));
    }
    return absl::OkStatus();
  };
  if (kafka_groups_->HasMembers(request.group)) {
    RETURN_IF_ERROR(kafka_groups_->CommitIfAllowed(request.group, request.generation,
                                                   request.member_id, write));
  } else {
    RETURN_IF_ERROR(coordinator_->CommitIfAllowed(
        GroupCoordinator::CommitClaim{request.group, request.topic, topic->id(), partitions,
                                      request.generation, request.member_id},
        write));
  }
  // Outside the coordinator's lock: concurrent commits share one fsync.
  return offsets.Sync();
}

absl::StatusOr<std::vector<PartitionCommit>> OffsetManager::FetchCommitted(
    const FetchCommittedRequest& request) const {
  RETURN_IF_ERROR(ValidateGroupName(request.group));
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, LookupTopic(*store_, request.topic));
  for (int32_t partition : request.partitions) {
    RETURN_IF_ERROR(LookupPartition(*topic, partition).status());
  }
  ASSIGN_OR_RETURN(auto committed, offsets_->GetAll(request.group, topic->id()));
  std::vector<PartitionCommit> result;
  for (const auto& [partition, commit] : committed) {
    if (!request.partitions.empty() &&
        std::find(request.partitions.begin(), request.partitions.end(), partition) ==
            request.partitions.end()) {
      continue;
    }
    result.push_back(PartitionCommit{partition, commit.offset, commit.metadata});
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> OffsetManager::ListGroups() const {
  ASSIGN_OR_RETURN(std::vector<std::string> groups, offsets_->ListGroups());
  for (std::string& group : coordinator_->GroupsWithMembers()) groups.push_back(std::move(group));
  for (ClassicGroupInfo& group : kafka_groups_->List()) groups.push_back(std::move(group.group));
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  return groups;
}

absl::StatusOr<GroupDescription> OffsetManager::DescribeGroup(absl::string_view group) const {
  RETURN_IF_ERROR(ValidateGroupName(group));
  ASSIGN_OR_RETURN(auto by_id, offsets_->GetGroup(group));
  std::optional<ClassicGroupInfo> kafka = kafka_groups_->Describe(group);
  if (by_id.empty() && !coordinator_->HasMembers(group) && !kafka.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "group \"", group, "\" is unknown: it has no committed offsets and no members"));
  }
  GroupDescription description{
      std::string(group), coordinator_->Generation(group), coordinator_->Members(group), {}};
  if (kafka.has_value()) {
    description.generation = kafka->generation;
    for (const ClassicMemberInfo& member : kafka->members) {
      std::vector<std::string> topics = member.topics;
      for (const TopicPartitions& assigned : member.partitions) topics.push_back(assigned.topic);
      std::sort(topics.begin(), topics.end());
      topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
      for (const std::string& topic : topics) {
        GroupMemberInfo& info = description.members.emplace_back();
        info.member_id = member.member_id;
        info.topic = topic;
        for (const TopicPartitions& assigned : member.partitions) {
          if (assigned.topic == topic) info.partitions = assigned.partitions;
        }
      }
    }
  }
  // Lags of the topics with commits and of those with members, by name.
  std::map<std::string, std::map<int32_t, storage::CommittedOffset>> topics;
  for (auto& [topic_id, committed] : by_id) {
    absl::StatusOr<std::shared_ptr<storage::Topic>> topic = store_->GetTopicById(topic_id);
    if (topic.ok()) topics[(*topic)->name()] = std::move(committed);  // else deleted since
  }
  for (const GroupMemberInfo& member : description.members) topics[member.topic];
  for (const auto& [topic_name, committed] : topics) {
    absl::StatusOr<std::shared_ptr<storage::Topic>> topic = LookupTopic(*store_, topic_name);
    if (!topic.ok()) continue;  // Deleted since; its commits go with it.
    for (int32_t p = 0; p < (*topic)->partition_count(); ++p) {
      std::shared_ptr<storage::PartitionLog> log = (*topic)->partition(p);
      PartitionLag lag{topic_name, p, -1, log->high_watermark(), 0};
      auto it = committed.find(p);
      if (it != committed.end()) lag.committed_offset = it->second.offset;
      if (!IsLocal(topic_name, p)) {
        lag.high_watermark = -1;  // the leader knows
        lag.lag = -1;
      } else if (it != committed.end()) {
        lag.lag = std::max<int64_t>(0, lag.high_watermark - lag.committed_offset);
      } else {
        // Nothing committed: everything still stored is unconsumed.
        lag.lag = lag.high_watermark - log->log_start_offset();
      }
      description.lags.push_back(std::move(lag));
    }
  }
  return description;
}

}  // namespace eventlog::broker

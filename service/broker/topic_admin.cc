#include "service/broker/topic_admin.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "service/broker/validation.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {
namespace {

// 0 = default; -1 = unlimited; anything else must be positive.
absl::Status ResolveRetention(absl::string_view field, int64_t requested, int64_t* value) {
  if (requested == 0) return absl::OkStatus();
  if (requested < storage::LogConfig::kUnlimited) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.", field, " is ", requested,
                     "; use a positive value, -1 (unlimited) or 0 (default)"));
  }
  *value = requested;
  return absl::OkStatus();
}

// 0 = default; anything else must be positive.
template <typename T>
absl::Status ResolvePositive(absl::string_view field, T requested, T* value) {
  if (requested == 0) return absl::OkStatus();
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.", field, " is ", requested, "; use a positive value or 0 (default)"));
  }
  *value = requested;
  return absl::OkStatus();
}

}  // namespace

TopicInfo TopicAdmin::DescribeTopic(const storage::Topic& topic) const {
  TopicInfo info{topic.name(), topic.config(), {}, {}};
  info.replica_config.min_insync_replicas = options_.default_min_insync_replicas;
  info.partitions.reserve(topic.partition_count());
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    PartitionRoute route = router_ == nullptr ? PartitionRoute::Local(options_.broker_id)
                                              : router_->Route(topic.name(), p);
    PartitionInfo partition;
    partition.partition = p;
    partition.leader = route.leader;
    partition.leader_epoch = route.leader_epoch;
    if (router_ == nullptr) partition.replicas = partition.isr = {options_.broker_id};
    if (route.kind == PartitionRoute::Kind::kLocal) {
      std::shared_ptr<storage::PartitionLog> log = topic.partition(p);
      // The high watermark first: it never passes the log end read after it.
      partition.high_watermark = log->high_watermark();
      partition.log_start_offset = log->log_start_offset();
      partition.log_end_offset = log->log_end_offset();
      partition.size_bytes = log->size_bytes();
      partition.cleanup = log->cleanup_stats();
    }
    info.partitions.push_back(partition);
  }
  return info;
}

absl::StatusOr<storage::LogConfig> TopicAdmin::ResolveConfig(
    const TopicConfigRequest& requested) const {
  storage::LogConfig config = store_->options().default_config;
  RETURN_IF_ERROR(ResolveRetention("retention_ms", requested.retention_ms, &config.retention_ms));
  RETURN_IF_ERROR(
      ResolveRetention("retention_bytes", requested.retention_bytes, &config.retention_bytes));
  switch (requested.cleanup_policy) {
    case TopicConfigRequest::Cleanup::kUnspecified:
      break;
    case TopicConfigRequest::Cleanup::kDelete:
      config.cleanup_policy = storage::CleanupPolicy::kDelete;
      break;
    case TopicConfigRequest::Cleanup::kCompact:
      config.cleanup_policy = storage::CleanupPolicy::kCompact;
      break;
  }
  RETURN_IF_ERROR(
      ResolvePositive("max_message_bytes", requested.max_message_bytes, &config.max_message_bytes));
  RETURN_IF_ERROR(ResolvePositive("segment_bytes", requested.segment_bytes, &config.segment_bytes));
  RETURN_IF_ERROR(ResolvePositive("segment_ms", requested.segment_ms, &config.segment_ms));
  RETURN_IF_ERROR(ResolvePositive("delete_retention_ms", requested.delete_retention_ms,
                                  &config.delete_retention_ms));
  switch (requested.timestamp_type) {
    case TopicConfigRequest::Timestamps::kUnspecified:
      break;
    case TopicConfigRequest::Timestamps::kCreateTime:
      config.timestamp_type = storage::TimestampType::kCreateTime;
      break;
    case TopicConfigRequest::Timestamps::kLogAppendTime:
      config.timestamp_type = storage::TimestampType::kLogAppendTime;
      break;
  }
  RETURN_IF_ERROR(ResolveRetention("message_timestamp_after_max_ms",
                                   requested.message_timestamp_after_max_ms,
                                   &config.message_timestamp_after_max_ms));
  RETURN_IF_ERROR(ResolveRetention("message_timestamp_before_max_ms",
                                   requested.message_timestamp_before_max_ms,
                                   &config.message_timestamp_before_max_ms));
  if (config.max_message_bytes > options_.max_request_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.max_message_bytes is ", config.max_message_bytes,
                     "; it cannot exceed the server's max request size of ",
                     options_.max_request_bytes, " bytes"));
  }
  RETURN_IF_ERROR(config.Validate());
  return config;
}

absl::StatusOr<TopicInfo> TopicAdmin::Create(const CreateTopicRequest& request) {
  ASSIGN_OR_RETURN(ResolvedTopic resolved, Resolve(request));
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic,
                   store_->CreateTopic(resolved.name, resolved.partitions, resolved.config));
  return DescribeTopic(*topic);
}

absl::StatusOr<ResolvedTopic> TopicAdmin::Resolve(const CreateTopicRequest& request) const {
  RETURN_IF_ERROR(ValidateTopicName(request.name));
  const storage::StoreOptions& store_options = store_->options();
  int32_t partitions = request.partitions;
  if (partitions == 0) partitions = store_options.default_partitions;
  if (partitions < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "partitions is ", partitions, "; use at least 1 (or 0 for the server default)"));
  }
  if (partitions > store_options.max_partitions) {
    return absl::ResourceExhaustedError(
        absl::StrCat("topic \"", request.name, "\" asks for ", partitions,
                     " partitions; this server allows at most ", store_options.max_partitions));
  }
  int32_t replication_factor = request.replication_factor;
  if (replication_factor == 0) replication_factor = options_.default_replication_factor;
  if (replication_factor < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("replication_factor is ", replication_factor,
                     "; use at least 1 (or 0 for the server default)"));
  }
  if (replication_factor > 1 && router_ == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("replication_factor is ", replication_factor,
                     "; a single broker keeps one copy of each partition (use 1, or 0 for the "
                     "default, or run a cluster: docs/CLUSTER.md)"));
  }
  ASSIGN_OR_RETURN(storage::LogConfig config, ResolveConfig(request.config));
  ReplicaConfig replica_config;
  replica_config.unclean_leader_election_enable = request.config.unclean_leader_election_enable;
  const int32_t min_insync = request.config.min_insync_replicas;
  if (min_insync < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.min_insync_replicas is ", min_insync,
        "; use at least 1 (or 0 for the server default)"));
  }
  // An explicit value above the copies could never be met; the broker-wide
  // default applies to replicated partitions only, so it is not checked.
  if (min_insync > replication_factor) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.min_insync_replicas is ", min_insync, " but replication_factor is ",
        replication_factor, "; ACKS_ALL could never succeed"));
  }
  replica_config.min_insync_replicas =
      min_insync > 0 ? min_insync : options_.default_min_insync_replicas;
  return ResolvedTopic{request.name, partitions, config, replication_factor, replica_config};
}

absl::Status TopicAdmin::Delete(absl::string_view name) {
  RETURN_IF_ERROR(ValidateTopicName(name));
  return store_->DeleteTopic(name);
}

std::vector<TopicSummary> TopicAdmin::List() const {
  std::vector<TopicSummary> summaries;
  for (const std::shared_ptr<storage::Topic>& topic : store_->ListTopics()) {
    if (topic->deleted()) continue;
    summaries.push_back(TopicSummary{topic->name(), topic->partition_count()});
  }
  return summaries;
}

absl::StatusOr<TopicInfo> TopicAdmin::Describe(absl::string_view name) const {
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, LookupTopic(*store_, name));
  return DescribeTopic(*topic);
}

}  // namespace eventlog::broker

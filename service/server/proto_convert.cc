#include "service/server/proto_convert.h"

#include "absl/strings/str_cat.h"
#include "storage/util/status_macros.h"

namespace eventlog::service {
namespace {

absl::string_view View(const std::string& s) { return absl::string_view(s.data(), s.size()); }

// The one conversion of the proto's start positions (StartFrom and its
// offset / timestamp fields) to the broker's StartPosition; nullopt for
// START_FROM_UNSPECIFIED.
absl::StatusOr<std::optional<broker::StartPosition>> StartPositionProto(
    v1::StartFrom start_from, int64_t offset, int64_t timestamp_ms, absl::string_view field) {
  using Kind = broker::StartPosition::Kind;
  broker::StartPosition position;
  switch (start_from) {
    case v1::START_FROM_UNSPECIFIED:
      return std::nullopt;
    case v1::START_FROM_EARLIEST:
      position.kind = Kind::kEarliest;
      break;
    case v1::START_FROM_LATEST:
      position.kind = Kind::kLatest;
      break;
    case v1::START_FROM_OFFSET:
      position.kind = Kind::kOffset;
      position.offset = offset;
      break;
    case v1::START_FROM_TIMESTAMP:
      position.kind = Kind::kTimestamp;
      position.timestamp_ms = timestamp_ms;
      break;
    case v1::START_FROM_COMMITTED:
      position.kind = Kind::kCommitted;
      position.offset = offset;  // the committed offset, between brokers (-1: none)
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, " ", static_cast<int>(start_from),
                       " is not a known start position; use EARLIEST, LATEST, OFFSET, TIMESTAMP "
                       "or COMMITTED"));
  }
  return position;
}

}  // namespace

absl::StatusOr<broker::TopicConfigRequest> FromProto(const v1::TopicConfig& config) {
  broker::TopicConfigRequest out;
  out.retention_ms = config.retention_ms();
  out.retention_bytes = config.retention_bytes();
  switch (config.cleanup_policy()) {
    case v1::CLEANUP_POLICY_UNSPECIFIED:
      out.cleanup_policy = broker::TopicConfigRequest::Cleanup::kUnspecified;
      break;
    case v1::CLEANUP_POLICY_DELETE:
      out.cleanup_policy = broker::TopicConfigRequest::Cleanup::kDelete;
      break;
    case v1::CLEANUP_POLICY_COMPACT:
      out.cleanup_policy = broker::TopicConfigRequest::Cleanup::kCompact;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("config.cleanup_policy ",
                                                     static_cast<int>(config.cleanup_policy()),
                                                     " is not known; use DELETE or COMPACT"));
  }
  out.max_message_bytes = config.max_message_bytes();
  out.segment_bytes = config.segment_bytes();
  out.segment_ms = config.segment_ms();
  out.delete_retention_ms = config.delete_retention_ms();
  switch (config.timestamp_type()) {
    case v1::TIMESTAMP_TYPE_UNSPECIFIED:
      out.timestamp_type = broker::TopicConfigRequest::Timestamps::kUnspecified;
      break;
    case v1::TIMESTAMP_TYPE_CREATE_TIME:
      out.timestamp_type = broker::TopicConfigRequest::Timestamps::kCreateTime;
      break;
    case v1::TIMESTAMP_TYPE_LOG_APPEND_TIME:
      out.timestamp_type = broker::TopicConfigRequest::Timestamps::kLogAppendTime;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("config.timestamp_type ", static_cast<int>(config.timestamp_type()),
                       " is not known; use CREATE_TIME or LOG_APPEND_TIME"));
  }
  out.message_timestamp_after_max_ms = config.message_timestamp_after_max_ms();
  out.message_timestamp_before_max_ms = config.message_timestamp_before_max_ms();
  out.min_insync_replicas = config.min_insync_replicas();
  out.unclean_leader_election_enable = config.unclean_leader_election_enable();
  return out;
}

absl::StatusOr<broker::CreateTopicRequest> FromProto(const v1::CreateTopicRequest& request) {
  broker::CreateTopicRequest out;
  out.name = request.name();
  out.partitions = request.partitions();
  out.replication_factor = request.replication_factor();
  ASSIGN_OR_RETURN(out.config, FromProto(request.config()));
  return out;
}

void ToProto(const storage::LogConfig& effective, v1::TopicConfig* config) {
  config->set_retention_ms(effective.retention_ms);
  config->set_retention_bytes(effective.retention_bytes);
  config->set_cleanup_policy(effective.cleanup_policy == storage::CleanupPolicy::kCompact
                                 ? v1::CLEANUP_POLICY_COMPACT
                                 : v1::CLEANUP_POLICY_DELETE);
  config->set_max_message_bytes(effective.max_message_bytes);
  config->set_segment_bytes(effective.segment_bytes);
  config->set_segment_ms(effective.segment_ms);
  config->set_delete_retention_ms(effective.delete_retention_ms);
  config->set_timestamp_type(effective.timestamp_type == storage::TimestampType::kLogAppendTime
                                 ? v1::TIMESTAMP_TYPE_LOG_APPEND_TIME
                                 : v1::TIMESTAMP_TYPE_CREATE_TIME);
  config->set_message_timestamp_after_max_ms(effective.message_timestamp_after_max_ms);
  config->set_message_timestamp_before_max_ms(effective.message_timestamp_before_max_ms);
}

absl::StatusOr<storage::LogConfig> EffectiveConfigFromProto(const v1::TopicConfig& config) {
  storage::LogConfig out;
  out.retention_ms = config.retention_ms();
  out.retention_bytes = config.retention_bytes();
  out.cleanup_policy = config.cleanup_policy() == v1::CLEANUP_POLICY_COMPACT
                           ? storage::CleanupPolicy::kCompact
                           : storage::CleanupPolicy::kDelete;
  out.max_message_bytes = config.max_message_bytes();
  out.segment_bytes = config.segment_bytes();
  out.segment_ms = config.segment_ms();
  out.delete_retention_ms = config.delete_retention_ms();
  out.timestamp_type = config.timestamp_type() == v1::TIMESTAMP_TYPE_LOG_APPEND_TIME
                           ? storage::TimestampType::kLogAppendTime
                           : storage::TimestampType::kCreateTime;
  out.message_timestamp_after_max_ms = config.message_timestamp_after_max_ms();
  out.message_timestamp_before_max_ms = config.message_timestamp_before_max_ms();
  RETURN_IF_ERROR(out.Validate());
  return out;
}

void ToProto(const broker::TopicInfo& info, v1::TopicDescription* description) {
  description->set_name(info.name);
  ToProto(info.config, description->mutable_config());
  description->mutable_config()->set_min_insync_replicas(info.replica_config.min_insync_replicas);
  description->mutable_config()->set_unclean_leader_election_enable(
      info.replica_config.unclean_leader_election_enable);
  for (const broker::PartitionInfo& stats : info.partitions) {
    v1::PartitionInfo* partition = description->add_partitions();
    partition->set_partition(stats.partition);
    partition->set_log_start_offset(stats.log_start_offset);
    partition->set_high_watermark(stats.high_watermark);
    partition->set_log_end_offset(stats.log_end_offset);
    partition->set_size_bytes(stats.size_bytes);
    partition->set_leader(stats.leader);
    partition->set_leader_epoch(stats.leader_epoch);
    partition->mutable_replicas()->Add(stats.replicas.begin(), stats.replicas.end());
    partition->mutable_isr()->Add(stats.isr.begin(), stats.isr.end());
  }
}

absl::StatusOr<broker::ProduceRequest> FromProto(const v1::ProduceRequest& request) {
  broker::ProduceRequest out;
  out.topic = View(request.topic());
  if (request.has_partition()) out.partition = request.partition();
  switch (request.acks()) {
    case v1::ACKS_UNSPECIFIED:
    case v1::ACKS_ALL:
      out.durability = storage::Durability::kAll;
      break;
    case v1::ACKS_LEADER:
      out.durability = storage::Durability::kLeader;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("acks ", static_cast<int>(request.acks()),
                                                     " is not known; use ACKS_LEADER or ACKS_ALL"));
  }
  out.records.reserve(request.records_size());
  for (const v1::Record& record : request.records()) {
    broker::ProduceRecord& r = out.records.emplace_back();
    r.key = View(record.key());
    r.value = View(record.value());
    r.timestamp_ms = record.timestamp_ms();
    r.headers.reserve(record.headers_size());
    for (const v1::Header& header : record.headers()) {
      r.headers.push_back(storage::HeaderView{View(header.key()), View(header.value())});
    }
  }
  return out;
}

void ToProto(const broker::ProduceResult& result, v1::ProduceResponse* response) {
  for (const broker::PartitionAppend& append : result.appends) {
    v1::PartitionAppend* out = response->add_appends();
    out->set_partition(append.partition);
    out->set_base_offset(append.base_offset);
    out->set_last_offset(append.last_offset);
  }
}

void ToProto(const broker::ProduceRequest& request, v1::ProduceRequest* out) {
  out->set_topic(std::string(request.topic));
  if (request.partition.has_value()) out->set_partition(*request.partition);
  out->set_acks(request.durability == storage::Durability::kLeader ? v1::ACKS_LEADER
                                                                   : v1::ACKS_ALL);
  out->mutable_records()->Reserve(static_cast<int>(request.records.size()));
  for (const broker::ProduceRecord& record : request.records) {
    v1::Record* r = out->add_records();
    r->set_key(std::string(record.key));
    r->set_value(std::string(record.value));
    r->set_timestamp_ms(record.timestamp_ms);
    for (const storage::HeaderView& header : record.headers) {
      v1::Header* h = r->add_headers();
      h->set_key(std::string(header.key));
      h->set_value(std::string(header.value));
    }
  }
}

broker::ProduceResult FromProto(const v1::ProduceResponse& response) {
  broker::ProduceResult result;
  for (const v1::PartitionAppend& append : response.appends()) {
    result.appends.push_back(
        broker::PartitionAppend{append.partition(), append.base_offset(), append.last_offset()});
  }
  return result;
}

broker::FetchRequest FromProto(const v1::FetchRequest& request) {
  return broker::FetchRequest{request.topic(),       request.partition(), request.offset(),
                              request.max_records(), request.max_bytes(), request.max_wait_ms()};
}

void AppendRecords(const storage::ReadResult& read, absl::string_view topic, int32_t partition,
                   google::protobuf::RepeatedPtrField<v1::Record>* records) {
  records->Reserve(records->size() + static_cast<int>(read.records.size()));
  for (const storage::RecordView& view : read.records) {
    v1::Record* record = records->Add();
    record->set_key(view.key.data(), view.key.size());
    record->set_value(view.value.data(), view.value.size());
    for (const storage::HeaderView& header : view.headers) {
      v1::Header* out = record->add_headers();
      out->set_key(header.key.data(), header.key.size());
      out->set_value(header.value.data(), header.value.size());
    }
    record->set_timestamp_ms(view.timestamp_ms);
    record->set_topic(topic.data(), topic.size());
    record->set_partition(partition);
    record->set_offset(view.offset);
  }
}

absl::StatusOr<broker::ListOffsetsRequest> FromProto(const v1::ListOffsetsRequest& request) {
  using Kind = broker::StartPosition::Kind;
  broker::ListOffsetsRequest out;
  out.topic = request.topic();
  out.partitions.assign(request.partitions().begin(), request.partitions().end());
  switch (request.spec()) {
    case v1::OFFSET_SPEC_UNSPECIFIED:
    case v1::OFFSET_SPEC_LATEST:
      out.position.kind = Kind::kLatest;
      break;
    case v1::OFFSET_SPEC_EARLIEST:
      out.position.kind = Kind::kEarliest;
      break;
    case v1::OFFSET_SPEC_TIMESTAMP:
      out.position.kind = Kind::kTimestamp;
      out.position.timestamp_ms = request.timestamp_ms();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("spec ", static_cast<int>(request.spec()),
                       " is not known; use EARLIEST, LATEST or TIMESTAMP"));
  }
  return out;
}

absl::StatusOr<broker::SubscribeRequest> FromProto(const v1::SubscribeRequest& request) {
  broker::SubscribeRequest out;
  out.topic = request.topic();
  out.partitions.assign(request.partitions().begin(), request.partitions().end());
  out.group = request.group();
  ASSIGN_OR_RETURN(out.start,
                   StartPositionProto(request.start_from(), request.start_offset(),
                                      request.start_timestamp_ms(), "start_from"));
  ASSIGN_OR_RETURN(std::optional<broker::StartPosition> reset_to,
                   StartPositionProto(request.reset_to(), 0, 0, "reset_to"));
  out.reset_to = reset_to.has_value() ? reset_to->kind : broker::StartPosition::Kind::kLatest;
  out.max_batch_records = request.max_batch_records();
  return out;
}

broker::CommitOffsetRequest FromProto(const v1::CommitOffsetRequest& request) {
  return broker::CommitOffsetRequest{request.group(),    request.topic(),    request.partition(),
                                     request.offset(),   request.metadata(), request.generation(),
                                     request.member_id()};
}

broker::CommitOffsetsRequest FromProto(const v1::CommitOffsetsRequest& request) {
  broker::CommitOffsetsRequest out{
      request.group(), request.topic(), request.generation(), request.member_id(), {}};
  out.offsets.reserve(request.offsets_size());
  for (const v1::CommittedOffset& commit : request.offsets()) {
    out.offsets.push_back(
        broker::PartitionCommit{commit.partition(), commit.offset(), commit.metadata()});
  }
  return out;
}

broker::FetchCommittedRequest FromProto(const v1::FetchCommittedOffsetsRequest& request) {
  return broker::FetchCommittedRequest{
      request.group(), request.topic(),
      std::vector<int32_t>(request.partitions().begin(), request.partitions().end())};
}

void ToProto(const broker::GroupDescription& group, v1::DescribeGroupResponse* response) {
  response->set_group(group.group);
  response->set_generation(group.generation);
  for (const broker::GroupMemberInfo& member : group.members) {
    v1::GroupMember* out = response->add_members();
    out->set_member_id(member.member_id);
    out->set_topic(member.topic);
    out->mutable_partitions()->Add(member.partitions.begin(), member.partitions.end());
  }
  for (const broker::PartitionLag& lag : group.lags) {
    v1::PartitionLag* out = response->add_lags();
    out->set_topic(lag.topic);
    out->set_partition(lag.partition);
    out->set_committed_offset(lag.committed_offset);
    out->set_high_watermark(lag.high_watermark);
    out->set_lag(lag.lag);
  }
}

}  // namespace eventlog::service

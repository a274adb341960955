#include "service/ops/console_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/util/build_info.h"

namespace eventlog::ops {
namespace {

using nlohmann::json;
using security::Operation;
using security::ResourceType;

constexpr int32_t kDefaultRecords = 20;
constexpr int32_t kMaxRecords = 200;
constexpr int32_t kMaxRecordBytes = 256 * 1024;  // per page; at least one record regardless

HttpReply JsonReply(const json& body) {
  // Invalid UTF-8 (names are ASCII; this is defence) becomes U+FFFD.
  return HttpReply{200, "application/json",
                   body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

// The parameter `name`, required.
absl::StatusOr<std::string> Required(const ConsoleApi::Params& params, absl::string_view name) {
  auto it = params.find(std::string(name));
  if (it == params.end() || it->second.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("parameter \"", name, "\" is required"));
  }
  return it->second;
}

// The integer parameter `name`; `fallback` when absent.
absl::StatusOr<int64_t> Integer(const ConsoleApi::Params& params, absl::string_view name,
                                int64_t fallback) {
  auto it = params.find(std::string(name));
  if (it == params.end() || it->second.empty()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter \"", name, "\" is \"", it->second, "\"; use an integer"));
  }
  return value;
}

json Counters(const broker::Broker& broker, absl::string_view topic) {
  json counters = {{"records_produced", 0}, {"bytes_produced", 0},    {"records_fetched", 0},
                   {"bytes_fetched", 0},    {"records_delivered", 0}, {"bytes_delivered", 0}};
  const broker::BrokerMetrics* metrics = broker.metrics();
  std::shared_ptr<const broker::TopicCounters> c =
      metrics != nullptr ? metrics->Find(topic) : nullptr;
  if (c != nullptr) {
    counters = {{"records_produced", c->records_produced.value()},
                {"bytes_produced", c->bytes_produced.value()},
                {"records_fetched", c->records_fetched.value()},
                {"bytes_fetched", c->bytes_fetched.value()},
                {"records_delivered", c->records_delivered.value()},
                {"bytes_delivered", c->bytes_delivered.value()}};
  }
  return counters;
}

json Partitions(const broker::TopicInfo& info) {
  json partitions = json::array();
  for (const broker::PartitionInfo& p : info.partitions) {
    partitions.push_back({{"partition", p.partition},
                          {"log_start_offset", p.log_start_offset},
                          {"high_watermark", p.high_watermark},
                          {"log_end_offset", p.log_end_offset},
                          {"size_bytes", p.size_bytes}});
  }
  return partitions;
}

std::string Base64(absl::string_view bytes) { return absl::Base64Escape(bytes); }

}  // namespace

HttpReply ConsoleApi::Handle(absl::string_view endpoint, absl::string_view principal,
                             const Params& params) const {
  if (endpoint == "overview") return Overview(principal);
  if (endpoint == "topics") return Topics(principal);
  if (endpoint == "topic") return Topic(principal, params);
  if (endpoint == "groups") return Groups(principal);
  if (endpoint == "group") return Group(principal, params);
  if (endpoint == "records") return Records(principal, params);
  return ErrorReply(absl::NotFoundError(absl::StrCat("no API endpoint \"", endpoint, "\"")));
}

HttpReply ConsoleApi::Overview(absl::string_view principal) const {
  return JsonReply({{"version", std::string(util::Version())},
                    {"revision", std::string(util::GitRevision())},
                    {"broker_id", broker_id_},
                    {"principal", std::string(principal)},
                    {"authentication", access_->authentication_enabled()},
                    {"storage_ok", broker_->storage_health().ok()},
                    {"subscriptions_open", broker_->open_subscriptions()}});
}

HttpReply ConsoleApi::Topics(absl::string_view principal) const {
  absl::StatusOr<std::vector<broker::TopicSummary>> topics = broker_->ListTopics();
  if (!topics.ok()) return ErrorReply(topics.status());
  json list = json::array();
  for (const broker::TopicSummary& summary : *topics) {
    // As ListTopics: the topics the caller may read, write or administer.
    if (!access_->Allows(principal, Operation::kRead, ResourceType::kTopic, summary.name) &&
        !access_->Allows(principal, Operation::kWrite, ResourceType::kTopic, summary.name) &&
        !access_->Allows(principal, Operation::kAdmin, ResourceType::kTopic, summary.name)) {
      continue;
    }
    absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(summary.name);
    if (!info.ok()) continue;  // deleted since
    int64_t size = 0, records = 0;
    for (const broker::PartitionInfo& p : info->partitions) {
      size += p.size_bytes;
      records += p.high_watermark - p.log_start_offset;
    }
    list.push_back({{"name", summary.name},
                    {"partitions", summary.partitions},
                    {"size_bytes", size},
                    {"records", records},
                    {"counters", Counters(*broker_, summary.name)}});
  }
  return JsonReply({{"topics", list}});
}

HttpReply ConsoleApi::Topic(absl::string_view principal, const Params& params) const {
  absl::StatusOr<std::string> name = Required(params, "name");
  if (!name.ok()) return ErrorReply(name.status());
  if (absl::Status allowed =
          access_->Authorize(principal, Operation::kRead, ResourceType::kTopic, *name);
      !allowed.ok()) {
    return ErrorReply(allowed);
  }
  absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(*name);
  if (!info.ok()) return ErrorReply(info.status());
  const storage::LogConfig& c = info->config;
  json config = {{"cleanup_policy",
                  c.cleanup_policy == storage::CleanupPolicy::kCompact ? "compact" : "delete"},
                 {"retention_ms", c.retention_ms},
                 {"retention_bytes", c.retention_bytes},
                 {"segment_bytes", c.segment_bytes},
                 {"segment_ms", c.segment_ms},
                 {"max_message_bytes", c.max_message_bytes},
                 {"timestamp_type", c.timestamp_type == storage::TimestampType::kLogAppendTime
                                        ? "log_append_time"
                                        : "create_time"}};
  return JsonReply({{"name", info->name},
                    {"config", config},
                    {"partitions", Partitions(*info)},
                    {"counters", Counters(*broker_, info->name)}});
}

HttpReply ConsoleApi::Groups(absl::string_view principal) const {
  absl::StatusOr<std::vector<std::string>> groups = broker_->ListGroups();
  if (!groups.ok()) return ErrorReply(groups.status());
  json list = json::array();
  for (const std::string& name : *groups) {
    if (!access_->Allows(principal, Operation::kRead, ResourceType::kGroup, name)) continue;
    absl::StatusOr<broker::GroupDescription> group = broker_->DescribeGroup(name);
    if (!group.ok()) continue;  // gone since
    // -1 is a partition whose lag this broker does not know (in a cluster,
    // led elsewhere): counted apart, never summed as -1 records.
    int64_t lag = 0;
    int64_t unknown = 0;
    for (const broker::PartitionLag& l : group->lags) {
      if (l.lag < 0) {
        ++unknown;
      } else {
        lag += l.lag;
      }
    }
    list.push_back({{"name", name},
                    {"generation", group->generation},
                    {"members", group->members.size()},
                    {"lag", lag},
                    {"partitions_lag_unknown", unknown}});
  }
  return JsonReply({{"groups", list}});
}

HttpReply ConsoleApi::Group(absl::string_view principal, const Params& params) const {
  absl::StatusOr<std::string> name = Required(params, "name");
  if (!name.ok()) return ErrorReply(name.status());
  if (absl::Status allowed =
          access_->Authorize(principal, Operation::kRead, ResourceType::kGroup, *name);
      !allowed.ok()) {
    return ErrorReply(allowed);
  }
  absl::StatusOr<broker::GroupDescription> group = broker_->DescribeGroup(*name);
  if (!group.ok()) return ErrorReply(group.status());
  json members = json::array();
  for (const broker::GroupMemberInfo& m : group->members) {
    members.push_back(
        {{"member_id", m.member_id}, {"topic", m.topic}, {"partitions", m.partitions}});
  }
  json lags = json::array();
  for (const broker::PartitionLag& l : group->lags) {
    lags.push_back({{"topic", l.topic},
                    {"partition", l.partition},
                    {"committed_offset", l.committed_offset},
                    {"high_watermark", l.high_watermark},
                    {"lag", l.lag}});
  }
  return JsonReply({{"name", group->group},
                    {"generation", group->generation},
                    {"members", members},
                    {"lags", lags}});
}

HttpReply ConsoleApi::Records(absl::string_view principal, const Params& params) const {
  absl::StatusOr<std::string> topic = Required(params, "topic");
  if (!topic.ok()) return ErrorReply(topic.status());
  if (absl::Status allowed =
          access_->Authorize(principal, Operation::kRead, ResourceType::kTopic, *topic);
      !allowed.ok()) {
    return ErrorReply(allowed);
  }
  absl::StatusOr<int64_t> partition = Integer(params, "partition", 0);
  if (!partition.ok()) return ErrorReply(partition.status());
  absl::StatusOr<int64_t> limit = Integer(params, "limit", kDefaultRecords);
  if (!limit.ok()) return ErrorReply(limit.status());
  const auto max_records = static_cast<int32_t>(std::clamp<int64_t>(*limit, 1, kMaxRecords));
  absl::StatusOr<int64_t> offset = Integer(params, "offset", -1);
  if (!offset.ok()) return ErrorReply(offset.status());
  if (*offset < 0) {  // the newest records
    absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(*topic);
    if (!info.ok()) return ErrorReply(info.status());
    if (*partition < 0 || *partition >= static_cast<int64_t>(info->partitions.size())) {
      return ErrorReply(absl::NotFoundError(
          absl::StrCat("topic \"", *topic, "\" has no partition ", *partition)));
    }
    const broker::PartitionInfo& p = info->partitions[*partition];
    offset = std::max(p.log_start_offset, p.high_watermark - max_records);
  }
  broker::FetchRequest request;
  request.topic = *topic;
  request.partition = static_cast<int32_t>(*partition);
  request.offset = *offset;
  request.max_records = max_records;
  request.max_bytes = kMaxRecordBytes;
  absl::StatusOr<broker::FetchResult> fetched = broker_->Fetch(request);
  if (!fetched.ok()) return ErrorReply(fetched.status());
  json records = json::array();
  for (const storage::RecordView& r : fetched->read.records) {
    json headers = json::array();
    for (const storage::HeaderView& h : r.headers) {
      headers.push_back({{"key", std::string(h.key)}, {"value", Base64(h.value)}});
    }
    records.push_back({{"offset", r.offset},
                       {"timestamp_ms", r.timestamp_ms},
                       {"key", Base64(r.key)},
                       {"value", Base64(r.value)},
                       {"headers", headers}});
  }
  return JsonReply({{"topic", *topic},
                    {"partition", *partition},
                    {"offset", *offset},
                    {"log_start_offset", fetched->read.log_start_offset},
                    {"high_watermark", fetched->read.high_watermark},
                    {"next_offset", fetched->read.next_offset},
                    {"records", records}});
}

}  // namespace eventlog::ops

// eventlog topic create|list|describe|delete.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"

namespace eventlog::cli {
namespace {

std::string PolicyName(v1::CleanupPolicy policy) {
  switch (policy) {
    case v1::CLEANUP_POLICY_DELETE:
      return "delete";
    case v1::CLEANUP_POLICY_COMPACT:
      return "compact";
    default:
      return "default";
  }
}

std::string TimestampTypeName(v1::TimestampType type) {
  switch (type) {
    case v1::TIMESTAMP_TYPE_CREATE_TIME:
      return "create_time";
    case v1::TIMESTAMP_TYPE_LOG_APPEND_TIME:
      return "log_append_time";
    default:
      return "default";
  }
}

// Broker ids as "1,2,3" (one whitespace-free column); "-" for none, so that
// every row keeps the same number of columns.
std::string BrokerList(const google::protobuf::RepeatedField<int32_t>& brokers) {
  return brokers.empty() ? "-" : absl::StrJoin(brokers, ",");
}

void PrintDescription(const v1::TopicDescription& d) {
  const v1::TopicConfig& c = d.config();
  std::string out = absl::StrCat("topic: ", d.name(), "\npartitions: ", d.partitions_size(), "\n");
  absl::StrAppend(
      &out, "retention_ms: ", c.retention_ms(), "\nretention_bytes: ", c.retention_bytes(),
      "\ncleanup_policy: ", PolicyName(c.cleanup_policy()), "\nsegment_bytes: ", c.segment_bytes(),
      "\nsegment_ms: ", c.segment_ms(), "\nmax_message_bytes: ", c.max_message_bytes(),
      "\ndelete_retention_ms: ", c.delete_retention_ms(),
      "\ntimestamp_type: ", TimestampTypeName(c.timestamp_type()),
      "\nmessage_timestamp_after_max_ms: ", c.message_timestamp_after_max_ms(),
      "\nmessage_timestamp_before_max_ms: ", c.message_timestamp_before_max_ms(),
      "\nmin_insync_replicas: ", c.min_insync_replicas(),
      "\nunclean_leader_election_enable: ", c.unclean_leader_election_enable() ? "true" : "false",
      "\n\n");
  // Columns are only ever added at the end (LOG_END_OFFSET, then the
  // replication ones) so that scripts reading the first ones keep working.
  // LEADER is -1 while the partition has none.
  absl::StrAppendFormat(&out, "%-10s %-17s %-15s %-11s %-15s %-7s %-13s %-9s %s\n", "PARTITION",
                        "LOG_START_OFFSET", "HIGH_WATERMARK", "SIZE_BYTES", "LOG_END_OFFSET",
                        "LEADER", "LEADER_EPOCH", "REPLICAS", "ISR");
  for (const v1::PartitionInfo& p : d.partitions()) {
    absl::StrAppendFormat(&out, "%-10d %-17d %-15d %-11d %-15d %-7d %-13d %-9s %s\n", p.partition(),
                          p.log_start_offset(), p.high_watermark(), p.size_bytes(),
                          p.log_end_offset(), p.leader(), p.leader_epoch(),
                          BrokerList(p.replicas()), BrokerList(p.isr()));
  }
  std::fputs(out.c_str(), stdout);
}

int Create(const std::vector<std::string>& args) {
  CommonFlags common;
  int64_t partitions = 0, retention_ms = 0, retention_bytes = 0, segment_bytes = 0, segment_ms = 0,
          max_message_bytes = 0, delete_retention_ms = 0, timestamp_after_max_ms = 0,
          timestamp_before_max_ms = 0, replication_factor = 0, min_insync_replicas = 0;
  std::string policy, timestamp_type;
  bool if_not_exists = false, unclean_leader_election = false;
  ArgParser parser("eventlog topic create", "NAME [flags]",
                   "Creates a topic. Config values left at 0 take the server's defaults; "
                   "-1 means unlimited retention.");
  parser.AddInt("partitions", &partitions,
                "number of partitions (0: the broker's --default_partitions)");
  parser.AddInt("replication_factor", &replication_factor,
                "copies of each partition, on distinct brokers (above 1 only in a cluster; "
                "0: the broker's --default_replication_factor)");
  parser.AddBool("if_not_exists", &if_not_exists,
                 "an existing topic is not an error (it is left as it is)");
  parser.AddInt("retention_ms", &retention_ms, "delete records older than this");
  parser.AddInt("retention_bytes", &retention_bytes, "per-partition size limit");
  parser.AddString("cleanup_policy", &policy, "delete or compact");
  parser.AddInt("segment_bytes", &segment_bytes, "segment roll size");
  parser.AddInt("segment_ms", &segment_ms, "segment roll age");
  parser.AddInt("max_message_bytes", &max_message_bytes, "largest accepted record");
  parser.AddInt("delete_retention_ms", &delete_retention_ms, "tombstone grace (compact)");
  parser.AddString("timestamp_type", &timestamp_type,
                   "create_time (the producer's) or log_append_time (the broker's)");
  parser.AddInt("message_timestamp_after_max_ms", &timestamp_after_max_ms,
                "refuse records stamped further in the future (-1 = unbounded)");
  parser.AddInt("message_timestamp_before_max_ms", &timestamp_before_max_ms,
                "refuse records stamped further in the past (-1 = unbounded)");
  parser.AddInt("min_insync_replicas", &min_insync_replicas,
                "in-sync replicas an ACKS_ALL produce needs, at most --replication_factor "
                "(0: the broker's --min_insync_replicas)");
  parser.AddBool("unclean_leader_election_enable", &unclean_leader_election,
                 "with no live in-sync replica, elect an out-of-sync one (available again, "
                 "losing the acknowledged records it lacks)");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 1, 1); r != ArgParser::Result::kOk) return ExitCodeFor(r);

  v1::TopicConfig config;
  config.set_retention_ms(retention_ms);
  config.set_retention_bytes(retention_bytes);
  config.set_segment_bytes(segment_bytes);
  config.set_segment_ms(segment_ms);
  config.set_max_message_bytes(static_cast<int32_t>(max_message_bytes));
  config.set_delete_retention_ms(delete_retention_ms);
  config.set_message_timestamp_after_max_ms(timestamp_after_max_ms);
  config.set_message_timestamp_before_max_ms(timestamp_before_max_ms);
  config.set_unclean_leader_election_enable(unclean_leader_election);
  if (timestamp_type == "create_time") {
    config.set_timestamp_type(v1::TIMESTAMP_TYPE_CREATE_TIME);
  } else if (timestamp_type == "log_append_time") {
    config.set_timestamp_type(v1::TIMESTAMP_TYPE_LOG_APPEND_TIME);
  } else if (!timestamp_type.empty()) {
    parser.UsageError(absl::StrCat("--timestamp_type must be create_time or log_append_time, got '",
                                   timestamp_type, "'"));
    return kExitUsage;
  }
  if (policy == "delete") {
    config.set_cleanup_policy(v1::CLEANUP_POLICY_DELETE);
  } else if (policy == "compact") {
    config.set_cleanup_policy(v1::CLEANUP_POLICY_COMPACT);
  } else if (!policy.empty()) {
    parser.UsageError(
        absl::StrCat("--cleanup_policy must be delete or compact, got '", policy, "'"));
    return kExitUsage;
  }
  if (partitions > INT32_MAX || partitions < 0) {
    parser.UsageError(
        absl::StrCat("--partitions must be from 0 to ", INT32_MAX, ", got ", partitions));
    return kExitUsage;
  }
  for (const auto& [flag, value] :
       {std::pair<const char*, int64_t>{"replication_factor", replication_factor},
        {"min_insync_replicas", min_insync_replicas}}) {
    if (value > INT32_MAX || value < 0) {
      parser.UsageError(
          absl::StrCat("--", flag, " must be from 0 to ", INT32_MAX, ", got ", value));
      return kExitUsage;
    }
  }
  config.set_min_insync_replicas(static_cast<int32_t>(min_insync_replicas));
  if (max_message_bytes > INT32_MAX || max_message_bytes < INT32_MIN) {
    parser.UsageError(absl::StrCat("--max_message_bytes must be at most ", INT32_MAX, ", got ",
                                   max_message_bytes));
    return kExitUsage;
  }
  auto client = MakeClient(common);
  auto created = client->CreateTopic(pos[0], static_cast<int32_t>(partitions), config,
                                     static_cast<int32_t>(replication_factor));
  if (if_not_exists && created.status().code() == absl::StatusCode::kAlreadyExists) {
    auto existing = client->DescribeTopic(pos[0]);
    if (!existing.ok()) {
      return ReportError(absl::StrCat("describe topic '", pos[0], "'"), existing.status());
    }
    std::printf("topic %s exists with %d partitions\n", existing->name().c_str(),
                existing->partitions_size());
    return kExitOk;
  }
  if (!created.ok())
    return ReportError(absl::StrCat("create topic '", pos[0], "'"), created.status());
  std::printf("created topic %s with %d partitions\n", created->name().c_str(),
              created->partitions_size());
  return kExitOk;
}

int ListTopics(const std::vector<std::string>& args) {
  CommonFlags common;
  ArgParser parser("eventlog topic list", "", "Lists topics with their partition counts.");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 0, 0); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto topics = MakeClient(common)->ListTopics();
  if (!topics.ok()) return ReportError("list topics", topics.status());
  std::sort(topics->begin(), topics->end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  std::string out;
  for (const v1::TopicSummary& t : *topics)
    absl::StrAppend(&out, t.name(), "\t", t.partitions(), "\n");
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int Describe(const std::vector<std::string>& args) {
  CommonFlags common;
  ArgParser parser("eventlog topic describe", "NAME",
                   "Shows a topic's effective config and, per partition, its log start "
                   "offset, high watermark, size, log end offset, leader, leader epoch, "
                   "replicas and in-sync replicas (ISR).");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 1, 1); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto description = MakeClient(common)->DescribeTopic(pos[0]);
  if (!description.ok()) {
    return ReportError(absl::StrCat("describe topic '", pos[0], "'"), description.status());
  }
  PrintDescription(*description);
  return kExitOk;
}

int Delete(const std::vector<std::string>& args) {
  CommonFlags common;
  ArgParser parser("eventlog topic delete", "NAME", "Deletes a topic and all its data.");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 1, 1); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  absl::Status status = MakeClient(common)->DeleteTopic(pos[0]);
  if (!status.ok()) return ReportError(absl::StrCat("delete topic '", pos[0], "'"), status);
  std::printf("deleted topic %s\n", pos[0].c_str());
  return kExitOk;
}

}  // namespace

int RunTopic(const std::vector<std::string>& args) {
  const char* kUsage =
      "usage: eventlog topic create|list|describe|delete ... (each takes --help)\n";
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "create") return Create(rest);
  if (args[0] == "list") return ListTopics(rest);
  if (args[0] == "describe") return Describe(rest);
  if (args[0] == "delete") return Delete(rest);
  if (args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "eventlog topic: unknown subcommand '%s'\n%s", args[0].c_str(), kUsage);
  return kExitUsage;
}

}  // namespace eventlog::cli

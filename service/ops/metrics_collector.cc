#include "service/ops/metrics_collector.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "storage/util/build_info.h"

namespace eventlog::ops {
namespace {

using metrics::MetricWriter;
using Type = MetricWriter::Type;

// One topic as the scrape saw it.
struct TopicRow {
  broker::TopicInfo info;
  std::shared_ptr<const broker::TopicCounters> counters;  // null before any traffic
  storage::CleanupStats cleanup;                          // summed over partitions
  int64_t size_bytes = 0;
};

// Writes one per-topic family from `value(row)`.
template <typename Value>
void TopicFamily(MetricWriter& writer, const std::vector<TopicRow>& rows, absl::string_view name,
                 Type type, absl::string_view help, Value value) {
  writer.Begin(name, type, help);
  for (const TopicRow& row : rows) writer.Sample({{"topic", row.info.name}}, value(row));
}

// Writes one per-partition family from `value(partition)`, for the
// partitions `broker_id` leads: in a cluster the others' figures are the
// leader's to report (this broker's copy of them is empty), so that a sum
// over brokers counts each partition once (docs/CLUSTER.md).
template <typename Value>
void PartitionFamily(MetricWriter& writer, const std::vector<TopicRow>& rows, int32_t broker_id,
                     absl::string_view name, absl::string_view help, Value value) {
  writer.Begin(name, Type::kGauge, help);
  for (const TopicRow& row : rows) {
    for (const broker::PartitionInfo& p : row.info.partitions) {
      if (p.leader != broker_id) continue;
      const std::string partition = absl::StrCat(p.partition);
      writer.Sample({{"topic", row.info.name}, {"partition", partition}}, value(p));
    }
  }
}

}  // namespace

MetricsCollector::MetricsCollector(const broker::Broker* broker, const Readiness* readiness,
                                   absl::Time process_start, MetricsOptions options,
                                   int32_t broker_id)
    : broker_(broker),
      readiness_(readiness),
      process_(process_start),
      options_(options),
      broker_id_(broker_id) {}

void MetricsCollector::AddFamilies(FamilyWriter writer) {
  absl::MutexLock lock(&mu_);
  families_.push_back(std::move(writer));
}

std::string MetricsCollector::Collect() const {
  MetricWriter writer;
  WriteProcess(writer);
  WriteTopics(writer);
  WriteGroups(writer);
  writer.Single(
      "eventlog_under_replicated_partitions", Type::kGauge,
      "Partitions this broker leads with fewer in-sync replicas than replicas; always "
      "0 on a single broker (each partition is its own only replica).",
      options_.under_replicated_partitions ? options_.under_replicated_partitions() : int64_t{0});
  writer.Single("eventlog_subscriptions_open", Type::kGauge, "Subscribe streams open now.",
                broker_->open_subscriptions());
  if (const broker::BrokerMetrics* counters = broker_->metrics(); counters != nullptr) {
    writer.Single("eventlog_subscription_buffered_bytes", Type::kGauge,
                  "Payload bytes handed to Subscribe streams and not yet written to their "
                  "clients (at most one message per stream).",
                  counters->subscription_buffered_bytes().value());
  }
  absl::MutexLock lock(&mu_);
  for (const FamilyWriter& family : families_) family(writer);
  return writer.Take();
}

void MetricsCollector::WriteProcess(MetricWriter& writer) const {
  writer.Begin("eventlog_build_info", Type::kGauge,
               "Always 1; the labels name the eventlogd release and git revision.");
  writer.Sample({{"version", util::Version()}, {"revision", util::GitRevision()}}, int64_t{1});
  // An info series rather than a label on every series: Prometheus already
  // tells brokers apart by their target (instance); a cluster view joins on
  // it ("* on(instance) group_left(broker_id) eventlog_broker_info").
  writer.Begin("eventlog_broker_info", Type::kGauge,
               "Always 1; the broker_id label is this broker's id (0 for a single broker).");
  writer.Sample({{"broker_id", absl::StrCat(broker_id_)}}, int64_t{1});
  writer.Single("eventlog_ready", Type::kGauge,
                "1 when /readyz says ready: store open, no storage failure, not shutting down.",
                readiness_->Ready().ok() ? 1 : 0);
  writer.Single("eventlog_storage_failed", Type::kGauge,
                "1 once a sync failed: the store acknowledges nothing more until restarted.",
                broker_->storage_health().ok() ? 0 : 1);
  const metrics::ProcessStats::Sample p = process_.Read();
  writer.Begin("eventlog_uptime_seconds", Type::kGauge, "Seconds since eventlogd started.");
  writer.Sample({}, p.uptime_seconds);
  writer.Begin("process_start_time_seconds", Type::kGauge,
               "Start time of the process since the Unix epoch, in seconds.");
  writer.Sample({}, p.start_time_seconds);
  writer.Begin("process_cpu_seconds_total", Type::kCounter,
               "User and system CPU time spent, in seconds.");
  writer.Sample({}, p.cpu_seconds);
  writer.Single("process_resident_memory_bytes", Type::kGauge, "Resident memory size in bytes.",
                p.resident_bytes);
  writer.Single("process_virtual_memory_bytes", Type::kGauge, "Virtual memory size in bytes.",
                p.virtual_bytes);
  writer.Single("process_open_fds", Type::kGauge, "Open file descriptors.", p.open_fds);
  writer.Single("process_max_fds", Type::kGauge, "Limit of open file descriptors.", p.max_fds);
}

void MetricsCollector::WriteTopics(MetricWriter& writer) const {
  std::vector<TopicRow> rows;
  if (absl::StatusOr<std::vector<broker::TopicSummary>> topics = broker_->ListTopics();
      topics.ok()) {
    absl::flat_hash_map<std::string, std::shared_ptr<const broker::TopicCounters>> counters;
    if (const broker::BrokerMetrics* m = broker_->metrics(); m != nullptr) {
      for (auto& [name, c] : m->Topics()) counters[name] = std::move(c);
    }
    for (const broker::TopicSummary& summary : *topics) {
      absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(summary.name);
      if (!info.ok()) continue;  // deleted since
      TopicRow& row = rows.emplace_back();
      row.info = *std::move(info);
      if (auto it = counters.find(summary.name); it != counters.end()) row.counters = it->second;
      for (const broker::PartitionInfo& p : row.info.partitions) {
        row.size_bytes += p.size_bytes;
        const storage::CleanupStats& c = p.cleanup;
        row.cleanup.retention_runs += c.retention_runs;
        row.cleanup.retention_segments_deleted += c.retention_segments_deleted;
        row.cleanup.retention_bytes_deleted += c.retention_bytes_deleted;
        row.cleanup.compaction_runs += c.compaction_runs;
        row.cleanup.compaction_segments_rewritten += c.compaction_segments_rewritten;
        row.cleanup.compaction_bytes_reclaimed += c.compaction_bytes_reclaimed;
        row.cleanup.damaged_batches += c.damaged_batches;
      }
    }
  }
  writer.Single("eventlog_topics", Type::kGauge, "Topics.", static_cast<int64_t>(rows.size()));
  TopicFamily(writer, rows, "eventlog_topic_partitions", Type::kGauge, "Partitions of the topic.",
              [](const TopicRow& r) { return static_cast<int64_t>(r.info.partitions.size()); });
  TopicFamily(writer, rows, "eventlog_topic_size_bytes", Type::kGauge,
              "Bytes of the topic's segment files, all partitions.",
              [](const TopicRow& r) { return r.size_bytes; });
  // Counted by the broker since it started (zero before any traffic).
  const auto counter = [](metrics::Counter broker::TopicCounters::*field) {
    return [field](const TopicRow& r) {
      return r.counters == nullptr ? int64_t{0} : ((*r.counters).*field).value();
    };
  };
  using C = broker::TopicCounters;
  TopicFamily(writer, rows, "eventlog_topic_records_produced_total", Type::kCounter,
              "Records appended by Produce and ProduceStream.", counter(&C::records_produced));
  TopicFamily(writer, rows, "eventlog_topic_bytes_produced_total", Type::kCounter,
              "Key, value and header bytes of the records produced.", counter(&C::bytes_produced));
  TopicFamily(writer, rows, "eventlog_topic_records_fetched_total", Type::kCounter,
              "Records returned by Fetch.", counter(&C::records_fetched));
  TopicFamily(writer, rows, "eventlog_topic_bytes_fetched_total", Type::kCounter,
              "Key, value and header bytes of the records fetched.", counter(&C::bytes_fetched));
  TopicFamily(writer, rows, "eventlog_topic_records_delivered_total", Type::kCounter,
              "Records pushed to Subscribe streams (each subscriber counts).",
              counter(&C::records_delivered));
  TopicFamily(writer, rows, "eventlog_topic_bytes_delivered_total", Type::kCounter,
              "Key, value and header bytes of the records delivered to subscribers.",
              counter(&C::bytes_delivered));
  // Cleanup, since the broker started.
  const auto cleanup = [](int64_t storage::CleanupStats::*field) {
    return [field](const TopicRow& r) { return r.cleanup.*field; };
  };
  using S = storage::CleanupStats;
  TopicFamily(writer, rows, "eventlog_retention_runs_total", Type::kCounter,
              "Retention runs that deleted segments (per partition).", cleanup(&S::retention_runs));
  TopicFamily(writer, rows, "eventlog_retention_segments_deleted_total", Type::kCounter,
              "Segments deleted by retention.", cleanup(&S::retention_segments_deleted));
  TopicFamily(writer, rows, "eventlog_retention_bytes_deleted_total", Type::kCounter,
              "Bytes of the segments deleted by retention.", cleanup(&S::retention_bytes_deleted));
  TopicFamily(writer, rows, "eventlog_compaction_runs_total", Type::kCounter,
              "Compaction runs (per partition, COMPACT topics).", cleanup(&S::compaction_runs));
  TopicFamily(writer, rows, "eventlog_compaction_segments_rewritten_total", Type::kCounter,
              "Segments rewritten by compaction.", cleanup(&S::compaction_segments_rewritten));
  TopicFamily(writer, rows, "eventlog_compaction_bytes_reclaimed_total", Type::kCounter,
              "Bytes freed by compaction.", cleanup(&S::compaction_bytes_reclaimed));
  TopicFamily(writer, rows, "eventlog_damaged_batches_total", Type::kCounter,
              "Damaged (checksum-failing) batches the cleaner met and stepped over or kept.",
              cleanup(&S::damaged_batches));
  if (!options_.per_partition) return;
  PartitionFamily(writer, rows, broker_id_, "eventlog_partition_log_start_offset",
                  "First offset still stored (retention moves it).",
                  [](const broker::PartitionInfo& p) { return p.log_start_offset; });
  PartitionFamily(writer, rows, broker_id_, "eventlog_partition_high_watermark",
                  "The durable end: readers see offsets below it.",
                  [](const broker::PartitionInfo& p) { return p.high_watermark; });
  PartitionFamily(writer, rows, broker_id_, "eventlog_partition_log_end_offset",
                  "The next offset to assign: written, durable or not.",
                  [](const broker::PartitionInfo& p) { return p.log_end_offset; });
  PartitionFamily(writer, rows, broker_id_, "eventlog_partition_size_bytes",
                  "Bytes of the partition's segment files.",
                  [](const broker::PartitionInfo& p) { return p.size_bytes; });
}

void MetricsCollector::WriteGroups(MetricWriter& writer) const {
  std::vector<broker::GroupDescription> groups;
  if (absl::StatusOr<std::vector<std::string>> names = broker_->ListGroups(); names.ok()) {
    for (const std::string& name : *names) {
      absl::StatusOr<broker::GroupDescription> group = broker_->DescribeGroup(name);
      if (group.ok()) groups.push_back(*std::move(group));
    }
  }
  writer.Begin("eventlog_group_members", Type::kGauge,
               "Live members (Subscribe streams) of the consumer group.");
  for (const broker::GroupDescription& g : groups) {
    writer.Sample({{"group", g.group}}, static_cast<int64_t>(g.members.size()));
  }
  writer.Begin("eventlog_group_generation", Type::kGauge,
               "The group's generation: it grows with every rebalance.");
  for (const broker::GroupDescription& g : groups)
    writer.Sample({{"group", g.group}}, g.generation);
  // A lag of -1 is unknown here (in a cluster, a partition led by another
  // broker): left out, never summed as -1 records.
  writer.Begin("eventlog_group_lag", Type::kGauge,
               "Records below the high watermark not yet committed by the group, per topic "
               "(from the log start where it committed nothing; partitions this broker "
               "leads).");
  for (const broker::GroupDescription& g : groups) {
    std::vector<std::pair<std::string, int64_t>> by_topic;  // lags come grouped by topic
    for (const broker::PartitionLag& lag : g.lags) {
      if (lag.lag < 0) continue;
      if (by_topic.empty() || by_topic.back().first != lag.topic)
        by_topic.emplace_back(lag.topic, 0);
      by_topic.back().second += lag.lag;
    }
    for (const auto& [topic, lag] : by_topic) {
      writer.Sample({{"group", g.group}, {"topic", topic}}, lag);
    }
  }
  if (!options_.per_partition) return;
  writer.Begin("eventlog_group_partition_lag", Type::kGauge, "eventlog_group_lag per partition.");
  for (const broker::GroupDescription& g : groups) {
    for (const broker::PartitionLag& lag : g.lags) {
      if (lag.lag < 0) continue;
      const std::string partition = absl::StrCat(lag.partition);
      writer.Sample({{"group", g.group}, {"topic", lag.topic}, {"partition", partition}}, lag.lag);
    }
  }
  writer.Begin("eventlog_group_committed_offset", Type::kGauge,
               "The group's committed offset per partition (partitions with a commit only).");
  for (const broker::GroupDescription& g : groups) {
    for (const broker::PartitionLag& lag : g.lags) {
      if (lag.committed_offset < 0) continue;
      const std::string partition = absl::StrCat(lag.partition);
      writer.Sample({{"group", g.group}, {"topic", lag.topic}, {"partition", partition}},
                    lag.committed_offset);
    }
  }
}

}  // namespace eventlog::ops

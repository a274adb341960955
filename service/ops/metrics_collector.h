// MetricsCollector: the /metrics page, in the Prometheus text format, built
// at scrape time. It reads what the broker core and the store already know
// (per partition offsets and size, cleanup figures, groups and their lag,
// open subscriptions) and the counters kept on the hot paths (per topic
// records and bytes; added families such as the RPC and fsync figures), so
// scraping touches no hot path. docs/OPERATIONS.md lists every metric.
//
// Cardinality: per partition series (offsets, size, group lag per partition)
// can be turned off (MetricsOptions::per_partition) for brokers with many
// partitions; per topic and per group sums are always written.
//
// Thread-safe. Families are added before serving.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/broker/broker.h"
#include "service/ops/readiness.h"
#include "storage/util/metrics/metric_writer.h"
#include "storage/util/metrics/process_stats.h"

namespace eventlog::ops {

struct MetricsOptions {
  // Series per partition (offsets, size, lag per partition).
  bool per_partition = true;
  // In a cluster: how many partitions this broker leads have fewer in-sync
  // replicas than replicas (Kafka's UnderReplicatedPartitions, counted by the
  // leader so a sum over brokers counts each partition once). Unset on a
  // single broker, where every partition is its own only replica.
  std::function<int64_t()> under_replicated_partitions;
};

class MetricsCollector {
 public:
  using FamilyWriter = std::function<void(metrics::MetricWriter& writer)>;

  // `broker` and `readiness` must outlive this object. `process_start`: when
  // the process started (uptime, process_start_time_seconds). `broker_id`:
  // this broker's id (eventlog_broker_info).
  MetricsCollector(const broker::Broker* broker, const Readiness* readiness,
                   absl::Time process_start, MetricsOptions options, int32_t broker_id = 0);

  // Families written by other parts (each writes whole families, with names
  // of its own) after the collector's.
  void AddFamilies(FamilyWriter writer);

  // The whole page.
  std::string Collect() const;

 private:
  void WriteProcess(metrics::MetricWriter& writer) const;
  void WriteTopics(metrics::MetricWriter& writer) const;
  void WriteGroups(metrics::MetricWriter& writer) const;

  const broker::Broker* const broker_;
  const Readiness* const readiness_;
  const metrics::ProcessStats process_;
  const MetricsOptions options_;
  const int32_t broker_id_;
  mutable absl::Mutex mu_;
  std::vector<FamilyWriter> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::ops

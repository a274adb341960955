#include "service/replication/replica_lag_metrics.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"

namespace eventlog::replication {

void WriteReplicaLagMetrics(const std::vector<ReplicaLag>& lags, bool per_partition,
                            metrics::MetricWriter& writer) {
  using Type = metrics::MetricWriter::Type;
  int64_t max = 0;
  for (const ReplicaLag& lag : lags) max = std::max(max, lag.records);
  // Kafka's ReplicaFetcherManager MaxLag, seen from the leader: one gauge an
  // operator can alert on whatever the partition count.
  writer.Single("eventlog_replica_lag_max_records", Type::kGauge,
                "The largest replica lag over the partitions this broker leads: records its "
                "log end is ahead of a follower's last fetch position (0 when it leads no "
                "replicated partition).",
                max);
  if (!per_partition) return;
  writer.Begin("eventlog_replica_lag_records", Type::kGauge,
               "Records the leader's log end is ahead of the follower `replica`'s last fetch "
               "position, per partition this broker leads (in or out of the ISR).");
  for (const ReplicaLag& lag : lags) {
    const std::string partition = absl::StrCat(lag.partition);
    const std::string replica = absl::StrCat(lag.replica);
    writer.Sample({{"topic", lag.topic}, {"partition", partition}, {"replica", replica}},
                  lag.records);
  }
}

}  // namespace eventlog::replication

// The replication-lag families of /metrics (docs/OPERATIONS.md): how far
// behind its leader each follower is, reported by the leader.
//
// A free function over ReplicaManager::Lags(), called at scrape time.
#pragma once

#include <vector>

#include "service/replication/replica_manager.h"
#include "storage/util/metrics/metric_writer.h"

namespace eventlog::replication {

// Writes eventlog_replica_lag_max_records (always; 0 when this broker leads
// no replicated partition) and, when `per_partition`,
// eventlog_replica_lag_records{topic,partition,replica}.
void WriteReplicaLagMetrics(const std::vector<ReplicaLag>& lags, bool per_partition,
                            metrics::MetricWriter& writer);

}  // namespace eventlog::replication

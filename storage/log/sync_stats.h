// SyncStats: the durability figures of the storage engine, for metrics: how
// long each segment fsync (fdatasync) takes, and how many ACKS_ALL appends
// each group-commit round acknowledges with its syncs.
//
// Process-wide, like a metrics library's default registry: every store in
// the process adds to the same figures (a broker has one store; tests that
// open several see the sum).
//
// Thread-safe; recording is a few relaxed atomic adds (metrics::Histogram).
#pragma once

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "storage/util/metrics/histogram.h"
#include "storage/util/metrics/metric_writer.h"
#include "storage/util/no_destructor.h"

namespace eventlog::storage {

class SyncStats {
 public:
  // Lives forever.
  static SyncStats& Global();

  // Runs `sync` and records how long it took.
  absl::Status TimeFsync(absl::FunctionRef<absl::Status()> sync);
  void RecordGroupCommit(int64_t appends) { group_commit_appends_.Observe(appends); }

  // Nanoseconds per fsync.
  const metrics::Histogram& fsync_nanos() const { return fsync_nanos_; }
  // ACKS_ALL appends per group-commit round.
  const metrics::Histogram& group_commit_appends() const { return group_commit_appends_; }

  // Writes eventlog_fsync_duration_seconds and
  // eventlog_group_commit_batch_size.
  void Write(metrics::MetricWriter& writer) const;

 private:
  friend class util::NoDestructor<SyncStats>;
  SyncStats();

  metrics::Histogram fsync_nanos_;
  metrics::Histogram group_commit_appends_;
};

}  // namespace eventlog::storage

// ProduceCompletion: joins the appends of one produce request (one per
// partition touched) and runs the request's callback once, after the last
// append completes: with every partition's offsets, or with the first error.
//
// On success it adds the request's records and bytes to the topic's
// counters (when given).
//
// Thread-safe: appends complete on any thread. Shared by the append
// callbacks; the request's callback runs without the lock held.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/produce_types.h"
#include "service/broker/topic_counters.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

// What a successful produce request adds to its topic's counters.
struct ProduceTally {
  std::shared_ptr<TopicCounters> counters;  // null: not counted
  int64_t records = 0;
  int64_t bytes = 0;
};

class ProduceCompletion {
 public:
  // `appends` is the number of AppendAsync calls that will report to Done().
  ProduceCompletion(int appends, ProduceCallback done, ProduceTally tally = {});

  void Done(int32_t partition, absl::StatusOr<storage::AppendResult> result);

 private:
  absl::Mutex mu_;
  int remaining_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  ProduceResult result_ ABSL_GUARDED_BY(mu_);
  ProduceCallback done_ ABSL_GUARDED_BY(mu_);
  const ProduceTally tally_;
};

}  // namespace eventlog::broker

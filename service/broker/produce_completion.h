// ProduceCompletion: joins the appends of one produce request (one per
// partition touched) and runs the request's callback once, after the last
// append completes: with every partition's offsets, or with the first error.
//
// Thread-safe: appends complete on any thread. Shared by the append
// callbacks; the request's callback runs without the lock held.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/produce_types.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

class ProduceCompletion {
 public:
  // `appends` is the number of AppendAsync calls that will report to Done().
  ProduceCompletion(int appends, ProduceCallback done);

  void Done(int32_t partition, absl::StatusOr<storage::AppendResult> result);

 private:
  absl::Mutex mu_;
  int remaining_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  ProduceResult result_ ABSL_GUARDED_BY(mu_);
  ProduceCallback done_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::broker

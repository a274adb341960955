#include "service/broker/produce_completion.h"

#include <algorithm>
#include <utility>

namespace eventlog::broker {

ProduceCompletion::ProduceCompletion(int appends, ProduceCallback done, ProduceTally tally)
    : remaining_(appends), done_(std::move(done)), tally_(std::move(tally)) {
  result_.appends.reserve(appends);
}

void ProduceCompletion::Done(int32_t partition, absl::StatusOr<storage::AppendResult> result) {
  ProduceCallback done;
  absl::StatusOr<ProduceResult> outcome;
  {
    absl::MutexLock lock(&mu_);
    if (!result.ok()) {
      if (error_.ok()) error_ = result.status();
    } else {
      result_.appends.push_back(
          PartitionAppend{partition, result->base_offset, result->last_offset});
    }
    if (--remaining_ > 0) return;
    done = std::move(done_);
    if (!error_.ok()) {
      outcome = error_;
    } else {
      std::sort(result_.appends.begin(), result_.appends.end(),
                [](const PartitionAppend& a, const PartitionAppend& b) {
                  return a.partition < b.partition;
                });
      outcome = std::move(result_);
    }
  }
  if (outcome.ok() && tally_.counters != nullptr) {
    tally_.counters->records_produced.Add(tally_.records);
    tally_.counters->bytes_produced.Add(tally_.bytes);
  }
  done(std::move(outcome));
}

}  // namespace eventlog::broker

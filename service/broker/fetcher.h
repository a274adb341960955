// Fetcher: the read side of single partitions: Fetch (with the limits a long
// poll needs), ListOffsets, and parking a long-polling fetch on its log.
// In a cluster it serves only the partitions this broker leads (the gRPC
// layer forwards the others to their leaders).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/broker/broker_options.h"
#include "service/broker/data_waiter.h"
#include "service/broker/fetch_types.h"
#include "service/broker/partition_router.h"
#include "service/broker/shutdown_signal.h"
#include "storage/store.h"

namespace eventlog::broker {

class Fetcher {
 public:
  // `store`, `shutdown` and `router` (null: every partition is local) must
  // outlive this object.
  Fetcher(storage::Store* store, ShutdownSignal* shutdown, const BrokerOptions& options,
          const PartitionRouter* router = nullptr)
      : store_(store), shutdown_(shutdown), options_(options), router_(router) {}

  // Reads at once (never waits). INVALID_ARGUMENT (name, negative partition,
  // offset or limits), NOT_FOUND (topic, partition), OUT_OF_RANGE (offset
  // outside [log_start_offset, high_watermark], both bounds named),
  // DATA_LOSS (checksum), UNAVAILABLE (closing; in a cluster, a partition
  // this broker does not lead, naming its leader).
  absl::StatusOr<FetchResult> Fetch(const FetchRequest& request) const;

  // Whole batches from the one holding `offset` (PartitionLog::ReadBatches),
  // at once. INVALID_ARGUMENT (name, negative partition, offset or
  // max_bytes), NOT_FOUND, OUT_OF_RANGE (both bounds named), DATA_LOSS,
  // UNAVAILABLE (closing).
  absl::StatusOr<BatchFetchResult> FetchBatches(const BatchFetchRequest& request) const;

  // Arms `waiter` on the partition of `topic` at `offset` (see
  // FetchResult::wait_offset). If the partition cannot be found any more the
  // waiter wakes at once; the next Fetch reports why.
  void AwaitData(absl::string_view topic, int32_t partition, int64_t offset,
                 const std::shared_ptr<DataWaiter>& waiter) const;

  // Arms `waiter` on several partitions at once: it wakes when any of them
  // has data past its offset (or is gone).
  void AwaitAny(const std::vector<DataPosition>& positions,
                const std::shared_ptr<DataWaiter>& waiter) const;

  // INVALID_ARGUMENT (name, negative partition or timestamp), NOT_FOUND,
  // UNAVAILABLE (as Fetch).
  absl::StatusOr<std::vector<PartitionOffset>> ListOffsets(const ListOffsetsRequest& request) const;

 private:
  storage::Store* const store_;
  ShutdownSignal* const shutdown_;
  const BrokerOptions options_;
  const PartitionRouter* const router_;
};

}  // namespace eventlog::broker

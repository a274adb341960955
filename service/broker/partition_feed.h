// PartitionFeed: a partition that another broker leads, read for a
// Subscription through that broker (a forwarded Subscribe stream of one
// partition; RemotePartitions::OpenFeed). It buffers a bounded number of
// batches; the subscription takes them one at a time, as it reads a local
// log. Leader failures are the feed's business: it waits for a leader and
// resumes after the last offset it delivered.
//
// Thread-safe: the feed's transport runs on its own threads and signals new
// batches through the `notify` callback given to OpenFeed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"

namespace eventlog::broker {

// Records of one partition as the leader sent them, already encoded by the
// transport as a SubscribeResponse (`encoded` is the transport's own type:
// the core passes it back untouched).
struct RemoteBatch {
  int32_t partition = 0;
  int32_t records = 0;
  // One past the last record: where the subscription's cursor moves.
  int64_t next_offset = 0;
  std::shared_ptr<const void> encoded;
};

class PartitionFeed {
 public:
  virtual ~PartitionFeed() = default;

  // The oldest batch received and not yet taken; nullopt if none. An error
  // ends the feed for good: NOT_FOUND (topic deleted), OUT_OF_RANGE (an
  // explicit start offset outside the log), INVALID_ARGUMENT, DATA_LOSS.
  virtual absl::StatusOr<std::optional<RemoteBatch>> Take() = 0;

  // True once the leader has resolved the start position (so that a LATEST
  // subscriber sees what is produced from then on), or the feed has ended.
  virtual bool started() const = 0;

  // Where the feed stands: the offset of the next record it will deliver;
  // -1 until the start is resolved.
  virtual int64_t next_offset() const = 0;
};

}  // namespace eventlog::broker

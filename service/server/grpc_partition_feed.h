// GrpcPartitionFeed: a broker::PartitionFeed over a forwarded Subscribe of
// one partition to its leader (docs/CLUSTER.md). The leader resolves the
// start and says where in the stream's headers (`eventlog-start-offsets`);
// batches arrive as serialized SubscribeResponse messages and are handed to
// the subscription as they are (no re-encoding), at most kMaxBuffered at a
// time: the stream reads no more until the subscription takes one, so HTTP/2
// flow control slows the leader down for a slow subscriber.
//
// When the stream fails (the leader died, or no longer leads), the feed
// waits for a leader (asking the router again, backing off to 2 s) and
// subscribes again after the last offset it delivered. A partition without a
// leader counts as started (nothing can be appended to it before it has
// one), so that a subscription's other partitions flow meanwhile. Errors that no leader
// change can cure end the feed: NOT_FOUND (topic deleted), OUT_OF_RANGE,
// INVALID_ARGUMENT, DATA_LOSS, PERMISSION_DENIED.
//
// Thread-safe. The destructor cancels the stream (which ends on its own
// time, holding the feed's shared core); `notify` never runs after the
// destructor returns.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "service/broker/partition_feed.h"
#include "service/broker/partition_router.h"
#include "service/broker/remote_partitions.h"
#include "service/server/broker_channels.h"
#include "service/server/delayed_tasks.h"

namespace eventlog::service {

class GrpcPartitionFeed final : public broker::PartitionFeed {
 public:
  // Where the feed finds things; all must outlive it.
  struct Environment {
    BrokerChannels* channels = nullptr;
    const broker::PartitionRouter* router = nullptr;
    DelayedTasks* delayed = nullptr;
    // This broker's own address: a partition that became local since the
    // subscription started is read through it, like any other.
    std::string self_address;
  };

  GrpcPartitionFeed(const Environment& environment, const broker::FeedRequest& request,
                    absl::AnyInvocable<void()> notify);
  ~GrpcPartitionFeed() override;

  absl::StatusOr<std::optional<broker::RemoteBatch>> Take() override;
  bool started() const override;
  int64_t next_offset() const override;

  class Core;  // shared with the stream and the retry tasks

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace eventlog::service

// Subscription: the transport-free engine of one Subscribe stream over
// partitions of a topic: explicit ones, or those a consumer group assigns
// (group mode). It keeps a cursor (next offset) per partition and, whenever
// the stream is ready for the next message, reads the next batch of the next
// partition with data, round-robin so that a busy partition cannot starve the
// others. Nothing is queued in memory: a slow stream simply asks less often.
// Reads go through the broker's BatchCache, so subscribers of the same tail
// share them. When every partition is caught up, Park() waits on the logs
// (PartitionLog::WaitForData), the broker's shutdown and, in group mode, the
// coordinator's requests.
//
// Group mode: the pump (Next) applies the coordinator's requests in order:
// a revoke drops cursors and is reported done (Next is only called when no
// write is in flight, so nothing of those partitions is on its way); an
// assignment adds cursors for new partitions (their start resolved then) and
// is returned as an event to announce before any of their records.
//
// Thread-safety: Next() and Park() must not be called concurrently with each
// other (the stream calls them from its single pump); Cancel() may be called
// from any thread at any time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/batch_cache.h"
#include "service/broker/broker_metrics.h"
#include "service/broker/data_waiter.h"
#include "service/broker/executor.h"
#include "service/broker/group_membership.h"
#include "service/broker/shutdown_signal.h"
#include "service/broker/start_position.h"
#include "service/broker/subscribe_types.h"
#include "service/broker/subscription_slots.h"
#include "storage/offset_store.h"
#include "storage/topic.h"

namespace eventlog::broker {

class Subscription {
 public:
  struct Cursor {
    int32_t partition = 0;
    std::shared_ptr<storage::PartitionLog> log;
    int64_t next_offset = 0;
  };

  // The broker's parts a subscription uses; all must outlive it.
  struct Environment {
    ShutdownSignal* shutdown = nullptr;
    Executor* executor = nullptr;  // where Park's wake runs
    BatchCache* cache = nullptr;
    BrokerMetrics* metrics = nullptr;  // null: nothing counted
  };

  // Group mode: where a member starts on a partition it is assigned.
  struct GroupStart {
    storage::OffsetStore* offsets = nullptr;  // committed offsets; must outlive this
    // For the partitions of the member's first assignment; kCommitted (the
    // default) uses the group's committed offset. Partitions assigned later
    // always start at the committed offset.
    StartPosition first;
    // Without a usable committed offset: kEarliest or kLatest.
    StartPosition::Kind reset_to = StartPosition::Kind::kLatest;
  };

  struct Limits {
    int32_t max_batch_records = 500;
    int32_t max_batch_bytes = 1 << 20;
  };

  // Explicit partitions; `cursors` is non-empty.
  Subscription(std::shared_ptr<storage::Topic> topic, std::vector<Cursor> cursors, Limits limits,
               Environment environment);
  // A group member: call JoinGroup() before the first Next().
  Subscription(std::shared_ptr<storage::Topic> topic, std::unique_ptr<GroupMembership> membership,
               GroupStart start, Limits limits, Environment environment);
  // Leaves the group (group mode); takes its message in flight off the
  // buffered bytes.
  ~Subscription();

  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Group mode: joins (the coordinator may assign at once). `client` names
  // the subscriber in its member id.
  void JoinGroup(absl::string_view client);

  // The next message: a batch (at least one record, at most
  // max_batch_records and about max_batch_bytes) or, in group mode, a new
  // assignment; nullopt when there is nothing to send now. Call only when the
  // previous message has been written (no write in flight). Errors end the
  // stream (and leave the group): NOT_FOUND once the topic is deleted,
  // UNAVAILABLE when the server shuts down, DATA_LOSS on a checksum mismatch,
  // ABORTED when the coordinator evicted the member, OUT_OF_RANGE for an
  // explicit start offset outside an assigned partition. A cursor that
  // retention has overtaken skips to the new log_start_offset.
  absl::StatusOr<std::optional<SubscriptionEvent>> Next();

  // Runs `wake` exactly once, on the executor: when a partition may have
  // data past its cursor, the topic is deleted, the server shuts down, the
  // coordinator has a request (group mode), or Cancel() is called. Call only
  // after Next() returned nullopt, and not again before `wake` has run.
  void Park(absl::AnyInvocable<void()> wake);

  // Leaves the group, wakes a pending Park() now and makes later ones wake
  // at once.
  void Cancel();

  const std::string& topic() const { return topic_->name(); }
  // Null in explicit mode.
  GroupMembership* membership() const { return membership_.get(); }

  // Keeps `slot` (of the server's open-subscription cap) until destroyed.
  void HoldSlot(SubscriptionSlots::Slot slot) { slot_ = std::move(slot); }

 private:
  absl::StatusOr<std::optional<SubscriptionEvent>> NextEvent();
  // Group mode: applies the coordinator's requests; an assignment to
  // announce, if any.
  absl::StatusOr<std::optional<AssignmentEvent>> ApplyGroupChanges();
  // One batch of queued requests; false if there were none. Sets *assigned
  // if an assignment was among them.
  absl::StatusOr<bool> ApplyQueuedChanges(bool* assigned);
  absl::StatusOr<int64_t> GroupStartOffset(const storage::PartitionLog& log, bool first) const;
  absl::StatusOr<std::shared_ptr<const SharedBatch>> ReadAt(Cursor& cursor) const;
  // Wakes the pump: a parked one now, a running one right after it parks.
  void Poke();
  // Counts `event`'s records as delivered and its bytes as buffered until the
  // next Next() (or destruction).
  void Count(const SubscriptionEvent& event);
  void ReleaseBuffered();

  const std::shared_ptr<storage::Topic> topic_;
  const Limits limits_;
  const Environment environment_;
  const std::unique_ptr<GroupMembership> membership_;
  const GroupStart group_start_;

  // Only the pump touches these.
  std::vector<Cursor> cursors_;
  size_t next_cursor_ = 0;  // round-robin position
  bool first_assignment_ = true;
  int64_t generation_ = 0;
  // Null when nothing is counted.
  std::shared_ptr<TopicCounters> counters_;
  // Payload bytes of the message last returned by Next() (now being written).
  int64_t buffered_bytes_ = 0;

  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool poked_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<DataWaiter> waiter_ ABSL_GUARDED_BY(mu_);

  SubscriptionSlots::Slot slot_;
};

}  // namespace eventlog::broker

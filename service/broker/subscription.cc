#include "service/broker/subscription.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "service/broker/validation.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {

Subscription::Subscription(std::shared_ptr<storage::Topic> topic, std::vector<Cursor> cursors,
                           Limits limits, Environment environment)
    : topic_(std::move(topic)),
      limits_(limits),
      environment_(environment),
      cursors_(std::move(cursors)),
      counters_(environment.metrics != nullptr ? environment.metrics->ForTopic(topic_->name())
                                               : nullptr) {}

Subscription::Subscription(std::shared_ptr<storage::Topic> topic,
                           std::unique_ptr<GroupMembership> membership, GroupStart start,
                           Limits limits, Environment environment)
    : topic_(std::move(topic)),
      limits_(limits),
      environment_(environment),
      membership_(std::move(membership)),
      group_start_(start),
      counters_(environment.metrics != nullptr ? environment.metrics->ForTopic(topic_->name())
                                               : nullptr) {}

Subscription::~Subscription() {
  // First: the coordinator may call the membership, which pokes this object.
  if (membership_ != nullptr) membership_->Leave();
  ReleaseBuffered();
}

void Subscription::ReleaseBuffered() {
  if (buffered_bytes_ == 0) return;
  environment_.metrics->subscription_buffered_bytes().Add(-buffered_bytes_);
  buffered_bytes_ = 0;
}

void Subscription::Count(const SubscriptionEvent& event) {
  if (counters_ == nullptr || event.batch == nullptr) return;
  const auto bytes = static_cast<int64_t>(event.batch->payload_bytes());
  counters_->records_delivered.Add(static_cast<int64_t>(event.batch->read().records.size()));
  counters_->bytes_delivered.Add(bytes);
  buffered_bytes_ = bytes;
  environment_.metrics->subscription_buffered_bytes().Add(bytes);
}

void Subscription::JoinGroup(absl::string_view client) {
  membership_->Join(topic_->name(), topic_->id(), topic_->partition_count(), client,
                    [this] { Poke(); });
}

absl::StatusOr<std::optional<SubscriptionEvent>> Subscription::Next() {
  {
    absl::MutexLock lock(&mu_);
    poked_ = false;  // whatever poked is looked at now
  }
  ReleaseBuffered();  // the previous message has been written
  if (membership_ != nullptr) membership_->SetBusy(false);
  absl::StatusOr<std::optional<SubscriptionEvent>> event = NextEvent();
  if (event.ok() && event->has_value()) Count(**event);
  if (membership_ == nullptr) return event;
  if (!event.ok()) {
    membership_->Leave();
  } else if (event->has_value()) {
    membership_->SetBusy(true);
  }
  return event;
}

absl::StatusOr<std::optional<SubscriptionEvent>> Subscription::NextEvent() {
  if (environment_.shutdown->triggered()) return ShuttingDownError();
  if (topic_->deleted()) return ClosedTopicError(*topic_);
  if (membership_ != nullptr) {
    RETURN_IF_ERROR(membership_->evicted());
    ASSIGN_OR_RETURN(std::optional<AssignmentEvent> assignment, ApplyGroupChanges());
    if (assignment.has_value()) {
      SubscriptionEvent event;
      event.assignment = std::move(assignment);
      return event;
    }
  }
  const size_t n = cursors_.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t index = (next_cursor_ + i) % n;
    Cursor& cursor = cursors_[index];
    if (cursor.log->closed()) return ClosedTopicError(*topic_);
    if (cursor.log->high_watermark() <= cursor.next_offset) continue;
    absl::StatusOr<std::shared_ptr<const SharedBatch>> batch = ReadAt(cursor);
    if (!batch.ok()) {
      if (topic_->deleted() || cursor.log->closed()) return ClosedTopicError(*topic_);
      return batch.status();
    }
    cursor.next_offset = std::max(cursor.next_offset, (*batch)->read().next_offset);
    if ((*batch)->read().records.empty()) continue;  // A compacted gap; look again later.
    next_cursor_ = (index + 1) % n;
    SubscriptionEvent event;
    event.batch = *std::move(batch);
    return event;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<AssignmentEvent>> Subscription::ApplyGroupChanges() {
  bool assigned = false;
  // A revoke reported done may complete a rebalance at once and queue the
  // new assignment: look again, so that it is announced now.
  for (;;) {
    ASSIGN_OR_RETURN(bool changed, ApplyQueuedChanges(&assigned));
    if (!changed) break;
  }
  if (!assigned) return std::nullopt;
  AssignmentEvent event{membership_->member_id(), generation_, {}};
  for (const Cursor& cursor : cursors_) event.partitions.push_back(cursor.partition);
  return event;
}

absl::StatusOr<bool> Subscription::ApplyQueuedChanges(bool* assigned) {
  std::vector<GroupMembership::Change> changes = membership_->TakeChanges();
  if (changes.empty()) return false;
  const auto has = [](const std::vector<int32_t>& partitions, int32_t p) {
    return std::find(partitions.begin(), partitions.end(), p) != partitions.end();
  };
  std::vector<uint64_t> revoked_rounds;
  for (GroupMembership::Change& change : changes) {
    if (change.kind == GroupMembership::Change::Kind::kRevoke) {
      cursors_.erase(
          std::remove_if(cursors_.begin(), cursors_.end(),
                         [&](const Cursor& c) { return has(change.partitions, c.partition); }),
          cursors_.end());
      revoked_rounds.push_back(change.round);
      continue;
    }
    // An assignment is the whole set: drop what is not in it (a revoke
    // already did), keep the cursors of partitions kept, start the new ones.
    cursors_.erase(
        std::remove_if(cursors_.begin(), cursors_.end(),
                       [&](const Cursor& c) { return !has(change.partitions, c.partition); }),
        cursors_.end());
    for (int32_t partition : change.partitions) {
      const bool present = std::any_of(cursors_.begin(), cursors_.end(),
                                       [&](const Cursor& c) { return c.partition == partition; });
      if (present) continue;
      ASSIGN_OR_RETURN(std::shared_ptr<storage::PartitionLog> log,
                       LookupPartition(*topic_, partition));
      if (log->closed()) return ClosedTopicError(*topic_);
      ASSIGN_OR_RETURN(int64_t offset, GroupStartOffset(*log, first_assignment_));
      cursors_.push_back(Cursor{partition, std::move(log), offset});
    }
    first_assignment_ = false;
    generation_ = change.generation;
    *assigned = true;
  }
  std::sort(cursors_.begin(), cursors_.end(),
            [](const Cursor& a, const Cursor& b) { return a.partition < b.partition; });
  if (next_cursor_ >= cursors_.size()) next_cursor_ = 0;
  // Next() runs only when no write is in flight: the revoked partitions are
  // no longer on their way to the client.
  for (uint64_t round : revoked_rounds) membership_->RevokeDone(round);
  return true;
}

absl::StatusOr<int64_t> Subscription::GroupStartOffset(const storage::PartitionLog& log,
                                                       bool first) const {
  StartPosition position = first ? group_start_.first : StartPosition{};
  if (!first) position.kind = StartPosition::Kind::kCommitted;
  position.reset_to = group_start_.reset_to;
  if (position.kind == StartPosition::Kind::kCommitted) {
    ASSIGN_OR_RETURN(
        std::optional<storage::CommittedOffset> committed,
        group_start_.offsets->Get(membership_->group(), topic_->id(), log.partition()));
    if (committed.has_value()) position.committed = committed->offset;
  }
  return ResolveStartOffset(log, topic_->name(), position);
}

absl::StatusOr<std::shared_ptr<const SharedBatch>> Subscription::ReadAt(Cursor& cursor) const {
  absl::StatusOr<std::shared_ptr<const SharedBatch>> batch = environment_.cache->Read(
      cursor.log, cursor.next_offset, limits_.max_batch_records, limits_.max_batch_bytes);
  if (batch.status().code() == absl::StatusCode::kOutOfRange) {
    // Retention deleted records this stream had not read yet: they are gone
    // for every reader, so continue from the oldest record still stored.
    const int64_t log_start = cursor.log->log_start_offset();
    if (cursor.next_offset < log_start) {
      cursor.next_offset = log_start;
      batch = environment_.cache->Read(cursor.log, cursor.next_offset, limits_.max_batch_records,
                                       limits_.max_batch_bytes);
    }
  }
  if (batch.status().code() == absl::StatusCode::kDataLoss) {
    logging::LogError("broker", "a subscription read damaged data",
                      {{"topic", topic_->name()},
                       {"partition", cursor.partition},
                       {"offset", cursor.next_offset},
                       {"error", batch.status().message()}});
  }
  return batch;
}

void Subscription::Park(absl::AnyInvocable<void()> wake) {
  std::shared_ptr<DataWaiter> waiter = DataWaiter::Create(std::move(wake), environment_.executor);
  bool now;
  {
    absl::MutexLock lock(&mu_);
    now = cancelled_ || poked_;
    poked_ = false;
    if (!now) waiter_ = waiter;
  }
  if (now) {
    waiter->Wake();
    return;
  }
  std::vector<DataWaiter::Target> targets;
  targets.reserve(cursors_.size() + 1);
  for (const Cursor& cursor : cursors_) {
    targets.push_back(DataWaiter::Target{cursor.log, cursor.next_offset});
  }
  if (targets.empty()) {
    // A group member without partitions still ends when the topic goes: a
    // log wakes its waiters when it is deleted or closed.
    targets.push_back(
        DataWaiter::Target{topic_->partition(0), std::numeric_limits<int64_t>::max()});
  }
  waiter->Arm(std::move(targets), environment_.shutdown);
}

void Subscription::Poke() {
  std::shared_ptr<DataWaiter> waiter;
  {
    absl::MutexLock lock(&mu_);
    poked_ = true;
    waiter = waiter_;
  }
  if (waiter != nullptr) waiter->Wake();
}

void Subscription::Cancel() {
  std::shared_ptr<DataWaiter> waiter;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    waiter = waiter_;
  }
  if (membership_ != nullptr) membership_->Leave();
  if (waiter != nullptr) waiter->Wake();
}

}  // namespace eventlog::broker

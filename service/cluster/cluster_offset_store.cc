#include "service/cluster/cluster_offset_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "service/broker/partitioner.h"
#include "storage/format/record_batch_builder.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::cluster {
namespace {

// How long a load waits for its high watermark before it tries again.
constexpr absl::Duration kLoadWait = absl::Seconds(5);

}  // namespace

// One append of a record, waited for by Sync().
class ClusterOffsetStore::PendingAppend {
 public:
  void Done(absl::Status status) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
    done_ = true;
  }
  // UNAVAILABLE if not done within `timeout` (the append goes on).
  absl::Status Wait(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(&done_), timeout)) {
      return absl::UnavailableError(absl::StrCat(
          "the offsets topic did not replicate the record within ", absl::FormatDuration(timeout),
          " (a replica out of reach?); it may or may not be kept: retry"));
    }
    return status_;
  }

 private:
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

namespace {

// The longest a write waits for its ACKS_ALL append. Writes run on gRPC's
// threads (commit handlers, a subscription's end leaving its group), and an
// append waits for every in-sync replica: while one is out of reach, until
// the ISR shrinks, which takes etcd, which takes gRPC's threads. Unbounded,
// those waits could hold every gRPC thread and the broker then lost its
// etcd lease and never got it back (found by fault_loop).
constexpr absl::Duration kAppendWait = absl::Seconds(1);

// The appends this thread made since its last Sync().
std::vector<std::shared_ptr<void>>& ThreadPending() {
  thread_local std::vector<std::shared_ptr<void>> pending;
  return pending;
}

}  // namespace

ClusterOffsetStore::ClusterOffsetStore(storage::Store* store, const broker::PartitionRouter* router,
                                       std::string topic, int32_t partitions)
    : store_(store),
      router_(router),
      topic_(std::move(topic)),
      partitions_count_(std::max(1, partitions)),
      partitions_(static_cast<size_t>(partitions_count_)),
      loader_([this] { RunLoader(); }) {}

ClusterOffsetStore::~ClusterOffsetStore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    work_.Signal();
  }
  loader_.join();
}

int32_t ClusterOffsetStore::PartitionFor(absl::string_view group) const {
  return broker::Partitioner::ForKey(group, partitions_count_);
}

absl::Status ClusterOffsetStore::CheckCoordinator(absl::string_view group) const {
  absl::ReaderMutexLock lock(&mu_);
  return CheckLoaded(PartitionFor(group), group);
}

absl::Status ClusterOffsetStore::CheckLoaded(int32_t partition, absl::string_view group) const {
  const Partition& state = partitions_[static_cast<size_t>(partition)];
  if (state.state == Partition::State::kLoaded) return absl::OkStatus();
  if (state.state == Partition::State::kLoading) {
    return absl::UnavailableError(
        absl::StrCat("the coordinator of group \"", group, "\" is loading its offsets; retry"));
  }
  broker::PartitionRoute route = router_->Route(topic_, partition);
  if (route.kind == broker::PartitionRoute::Kind::kLocal) {
    // Just became leader; Refresh has not run yet.
    return absl::UnavailableError(
        absl::StrCat("the coordinator of group \"", group, "\" is loading its offsets; retry"));
  }
  return broker::NotLeaderError(topic_, partition, route);
}

void ClusterOffsetStore::Refresh(const ClusterState& state) {
  absl::flat_hash_set<uint64_t> live_topic_ids;
  for (const auto& [name, topic] : state.topics()) live_topic_ids.insert(topic.id);
  // The router calls unknown topics local; the offsets topic may not be
  // created yet.
  const bool exists = state.FindTopic(topic_) != nullptr;
  std::vector<std::pair<int32_t, OffsetsRecord>> tombstones;
  {
    absl::MutexLock lock(&mu_);
    for (int32_t p = 0; p < partitions_count_; ++p) {
      Partition& partition = partitions_[static_cast<size_t>(p)];
      const bool leads =
          exists && router_->Route(topic_, p).kind == broker::PartitionRoute::Kind::kLocal;
      if (!leads) {
        partition = Partition();
        continue;
      }
      if (partition.state == Partition::State::kNotLed) {
        partition.state = Partition::State::kLoading;
        partition.load_token = next_token_++;
        to_load_.push_back(p);
        work_.Signal();
        continue;
      }
      if (partition.state != Partition::State::kLoaded) continue;
      for (auto& [name, group] : partition.groups) {
        for (auto it = group.commits.begin(); it != group.commits.end();) {
          if (live_topic_ids.contains(it->first.first)) {
            ++it;
            continue;
          }
          OffsetsRecord tombstone;
          tombstone.group = name;
          tombstone.topic_id = it->first.first;
          tombstone.partition = it->first.second;
          tombstone.tombstone = true;
          tombstones.emplace_back(p, std::move(tombstone));
          it = group.commits.erase(it);
        }
      }
    }
  }
  // Best effort: a tombstone lost in a crash is written again next time.
  for (const auto& [p, record] : tombstones) (void)Append(p, record);
}

void ClusterOffsetStore::RunLoader() {
  for (;;) {
    int32_t partition;
    uint64_t token;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && to_load_.empty()) work_.Wait(&mu_);
      if (stopping_) return;
      partition = to_load_.front();
      to_load_.erase(to_load_.begin());
      token = partitions_[static_cast<size_t>(partition)].load_token;
    }
    absl::StatusOr<Partition> loaded = Load(partition);
    absl::MutexLock lock(&mu_);
    Partition& current = partitions_[static_cast<size_t>(partition)];
    if (current.load_token != token || current.state != Partition::State::kLoading) continue;
    if (!loaded.ok()) {
      logging::LogWarning(
          "cluster", "cannot load committed offsets, retrying",
          {{"topic", topic_}, {"partition", partition}, {"error", loaded.status().message()}});
      to_load_.push_back(partition);
      work_.WaitWithTimeout(&mu_, absl::Seconds(1));
      continue;
    }
    loaded->state = Partition::State::kLoaded;
    loaded->load_token = token;
    current = *std::move(loaded);
  }
}

absl::StatusOr<ClusterOffsetStore::Partition> ClusterOffsetStore::Load(int32_t partition) const {
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, store_->GetTopic(topic_));
  std::shared_ptr<storage::PartitionLog> log = topic->partition(partition);
  if (log == nullptr) return absl::NotFoundError(absl::StrCat("no partition ", partition));
  Partition result;
  int64_t offset = log->log_start_offset();
  // Everything in a leader's log stays (a leader never truncates), so a
  // new leader loads to its log end, as Kafka does: a commit the old
  // leader acknowledged may sit above this replica's high watermark until
  // its followers report. Reads stop at the high watermark, so wait for it.
  const int64_t end = log->log_end_offset();
  if (log->high_watermark() < end) {
    auto reached = std::make_shared<absl::Notification>();
    const storage::PartitionLog::WaiterId id =
        log->WaitForData(end - 1, [reached] { reached->Notify(); });
    if (id != 0 && !reached->WaitForNotificationWithTimeout(kLoadWait)) {
      log->CancelWait(id);
      return absl::UnavailableError(absl::StrCat("the high watermark ", log->high_watermark(),
                                                 " has not reached the log end ", end, " yet"));
    }
  }
  while (offset < end) {
    ASSIGN_OR_RETURN(storage::ReadResult read, log->Read(offset, storage::ReadLimits{}));
    for (const storage::RecordView& view : read.records) {
      absl::StatusOr<OffsetsRecord> record = OffsetsRecord::Decode(view.key, view.value);
      if (!record.ok()) {
        logging::LogError("cluster", "skipping an unreadable committed-offsets record",
                          {{"topic", topic_},
                           {"partition", partition},
                           {"offset", view.offset},
                           {"error", record.status().message()}});
        continue;
      }
      Group& group = result.groups[record->group];
      if (record->type == OffsetsRecord::Type::kGroupEpoch) {
        group.epoch = record->tombstone ? 0 : record->value;
      } else if (record->tombstone) {
        group.commits.erase({record->topic_id, record->partition});
      } else {
        group.commits[{record->topic_id, record->partition}] =
            storage::CommittedOffset{record->value, record->metadata};
      }
    }
    if (read.next_offset <= offset) break;
    offset = read.next_offset;
  }
  return result;
}

std::shared_ptr<ClusterOffsetStore::PendingAppend> ClusterOffsetStore::Append(
    int32_t partition, const OffsetsRecord& record) {
  auto pending = std::make_shared<PendingAppend>();
  absl::StatusOr<std::shared_ptr<storage::Topic>> topic = store_->GetTopic(topic_);
  std::shared_ptr<storage::PartitionLog> log =
      topic.ok() ? (*topic)->partition(partition) : nullptr;
  if (log == nullptr) {
    pending->Done(
        absl::UnavailableError(absl::StrCat("the offsets topic ", topic_, " is missing")));
    return pending;
  }
  storage::RecordBatchBuilder batch;
  batch.Add(record.EncodeKey(), record.EncodeValue(), {}, store_->options().clock->NowMs());
  log->AppendAsync(
      std::move(batch), storage::Durability::kAll,
      [pending](absl::StatusOr<storage::AppendResult> result) { pending->Done(result.status()); });
  return pending;
}

absl::Status ClusterOffsetStore::Write(absl::string_view group, uint64_t topic_id,
                                       int32_t partition, int64_t offset,
                                       absl::string_view metadata) {
  const int32_t p = PartitionFor(group);
  OffsetsRecord record;
  record.type = OffsetsRecord::Type::kCommit;
  record.group = std::string(group);
  record.topic_id = topic_id;
  record.partition = partition;
  record.value = offset;
  record.metadata = std::string(metadata);
  {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(CheckLoaded(p, group));
    Group& entry = partitions_[static_cast<size_t>(p)].groups[std::string(group)];
    entry.commits[{topic_id, partition}] = storage::CommittedOffset{offset, record.metadata};
    // Appended under mu_: two writes of one key reach the log in the order
    // they changed memory.
    ThreadPending().push_back(Append(p, record));
  }
  return absl::OkStatus();
}

absl::Status ClusterOffsetStore::Sync() {
  std::vector<std::shared_ptr<void>> pending;
  pending.swap(ThreadPending());
  absl::Status status;
  for (const std::shared_ptr<void>& append : pending) {
    absl::Status s = std::static_pointer_cast<PendingAppend>(append)->Wait(kAppendWait);
    if (status.ok()) status = s;
  }
  return status;
}

absl::StatusOr<const ClusterOffsetStore::Group*> ClusterOffsetStore::FindGroup(
    absl::string_view group) const {
  const int32_t p = PartitionFor(group);
  RETURN_IF_ERROR(CheckLoaded(p, group));
  const Partition& partition = partitions_[static_cast<size_t>(p)];
  auto it = partition.groups.find(group);
  return it == partition.groups.end() ? nullptr : &it->second;
}

absl::StatusOr<std::optional<storage::CommittedOffset>> ClusterOffsetStore::Get(
    absl::string_view group, uint64_t topic_id, int32_t partition) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const Group* entry, FindGroup(group));
  if (entry == nullptr) return std::nullopt;
  auto it = entry->commits.find({topic_id, partition});
  if (it == entry->commits.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::map<int32_t, storage::CommittedOffset>> ClusterOffsetStore::GetAll(
    absl::string_view group, uint64_t topic_id) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const Group* entry, FindGroup(group));
  std::map<int32_t, storage::CommittedOffset> result;
  if (entry == nullptr) return result;
  for (const auto& [key, commit] : entry->commits) {
    if (key.first == topic_id) result[key.second] = commit;
  }
  return result;
}

absl::StatusOr<std::map<uint64_t, std::map<int32_t, storage::CommittedOffset>>>
ClusterOffsetStore::GetGroup(absl::string_view group) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const Group* entry, FindGroup(group));
  std::map<uint64_t, std::map<int32_t, storage::CommittedOffset>> result;
  if (entry == nullptr) return result;
  for (const auto& [key, commit] : entry->commits) result[key.first][key.second] = commit;
  return result;
}

absl::StatusOr<std::vector<std::string>> ClusterOffsetStore::ListGroups() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> groups;
  for (const Partition& partition : partitions_) {
    for (const auto& [name, group] : partition.groups) {
      if (!group.commits.empty()) groups.push_back(name);
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

absl::StatusOr<int64_t> ClusterOffsetStore::GroupEpoch(absl::string_view group) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const Group* entry, FindGroup(group));
  return entry == nullptr ? 0 : entry->epoch;
}

absl::Status ClusterOffsetStore::SaveGroupEpoch(absl::string_view group, int64_t epoch) {
  const int32_t p = PartitionFor(group);
  OffsetsRecord record;
  record.type = OffsetsRecord::Type::kGroupEpoch;
  record.group = std::string(group);
  record.value = epoch;
  std::shared_ptr<PendingAppend> pending;
  {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(CheckLoaded(p, group));
    Group& entry = partitions_[static_cast<size_t>(p)].groups[std::string(group)];
    entry.epoch = std::max(entry.epoch, epoch);
    pending = Append(p, record);
  }
  return pending->Wait(kAppendWait);
}

}  // namespace eventlog::cluster

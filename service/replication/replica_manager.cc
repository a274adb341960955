#include "service/replication/replica_manager.h"

#include <algorithm>
#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "service/replication/replica_fetcher.h"
#include "storage/util/logging/logger.h"

namespace eventlog::replication {
namespace {

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

bool Contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

absl::Status NotLeading(absl::string_view topic, int32_t partition, int32_t epoch) {
  return absl::UnavailableError(absl::StrCat("this broker does not lead partition ", partition,
                                             " of \"", topic, "\" in leader epoch ", epoch));
}

}  // namespace

ReplicaManager::ReplicaManager(storage::Store* store, cluster::ClusterNode* node,
                               ReplicaManagerOptions options)
    : store_(store), node_(node), options_(std::move(options)) {
  isr_thread_ = std::thread([this] { RunIsrLoop(); });
}

ReplicaManager::~ReplicaManager() { Stop(); }

void ReplicaManager::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (isr_thread_.joinable()) isr_thread_.join();
  absl::MutexLock apply(&apply_mu_);
  for (auto& [leader, fetcher] : fetchers_) fetcher->Stop();
  fetchers_.clear();
}

void ReplicaManager::Apply(const cluster::ClusterState& state) {
  absl::MutexLock apply(&apply_mu_);
  const int32_t self = options_.broker_id;
  // Log calls that run callbacks are made after mu_ is released.
  std::vector<std::pair<std::shared_ptr<storage::PartitionLog>, int64_t>> limits;
  std::vector<std::shared_ptr<storage::PartitionLog>> deposed;
  std::map<int32_t, std::string> leaders;  // followed leaders and their addresses
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    // The ISR loop may hold a snapshot older than the one the view just
    // applied: never go back to it.
    if (state.revision() < applied_revision_) return;
    applied_revision_ = state.revision();
    registered_.clear();
    for (const auto& [id, broker] : state.brokers()) registered_.insert(id);
    std::set<Key> seen;
    for (const auto& [name, topic] : state.topics()) {
      const std::map<int32_t, cluster::PartitionEntry>* partitions = state.PartitionsOf(name);
      if (partitions == nullptr) continue;
      absl::StatusOr<std::shared_ptr<storage::Topic>> local = store_->GetTopic(name);
      if (!local.ok() || (*local)->id() != topic.id) continue;
      for (const auto& [p, entry] : *partitions) {
        // One copy: nothing to copy or truncate, so the log stays as on a
        // single broker (no leader epochs written in the metadata path).
        if (entry.replicas.size() < 2 || !Contains(entry.replicas, self)) continue;
        std::shared_ptr<storage::PartitionLog> log = (*local)->partition(p);
        if (log == nullptr) continue;
        const Key key{name, p};
        seen.insert(key);
        if (entry.leader == self) {
          followed_.erase(key);
          auto it = led_.find(key);
          if (it == led_.end() || it->second.epoch != entry.leader_epoch || it->second.log != log) {
            if (absl::Status led = log->BecomeLeader(entry.leader_epoch); !led.ok()) {
              logging::LogError("replication", "cannot lead the partition",
                                {{"topic", name},
                                 {"partition", p},
                                 {"leader_epoch", entry.leader_epoch},
                                 {"error", led.message()}});
            }
            Led fresh;
            fresh.epoch = entry.leader_epoch;
            fresh.log = log;
            fresh.base_high_watermark = log->high_watermark();
            fresh.epoch_start = log->log_end_offset();
            for (int32_t r : entry.replicas) {
              if (r != self) fresh.followers[r].caught_up = absl::Now();
            }
            it = led_.insert_or_assign(key, std::move(fresh)).first;
          }
          it->second.seen = entry;
          // The topic's min_insync_replicas; 0 in a record written before
          // topics had one: the broker's default.
          const int32_t required = topic.config.min_insync_replicas() > 0
                                       ? topic.config.min_insync_replicas()
                                       : options_.min_insync_replicas;
          // Under mu_, the exception to the rule above: OnFollowerFetch
          // computes limits from `seen` under mu_ too, so no limit of the
          // smaller ISR can release a waiting ACKS_ALL append before the log
          // knows the ISR is below the minimum. The callbacks this may run
          // are those appends' completions, which never call back in here.
          log->SetInSyncReplicas(static_cast<int32_t>(entry.isr.size()), required);
          limits.emplace_back(log, LimitLocked(it->second));
          continue;
        }
        if (auto it = led_.find(key); it != led_.end()) {
          deposed.push_back(it->second.log);
          led_.erase(it);
        }
        if (entry.leader < 0 || state.FindBroker(entry.leader) == nullptr) {
          followed_.erase(key);
          continue;
        }
        Followed& followed = followed_[key];
        const bool same = followed.leader == entry.leader &&
                          followed.partition.leader_epoch == entry.leader_epoch &&
                          followed.partition.log == log;
        followed.leader = entry.leader;
        followed.partition = FollowedPartition{
            name, topic.id, p, entry.leader_epoch, same && followed.partition.truncated, log};
      }
    }
    for (auto it = led_.begin(); it != led_.end();) {
      it = seen.count(it->first) > 0 ? std::next(it) : led_.erase(it);
    }
    for (auto it = followed_.begin(); it != followed_.end();) {
      it = seen.count(it->first) > 0 ? std::next(it) : followed_.erase(it);
    }
    for (const auto& [key, followed] : followed_) {
      leaders[followed.leader] = state.FindBroker(followed.leader)->address;
    }
  }
  for (const std::shared_ptr<storage::PartitionLog>& log : deposed) {
    log->FailPendingAcks(absl::UnavailableError(
        "this broker stopped leading the partition before the write reached every in-sync "
        "replica; it may or may not be kept: retry"));
    log->SetHighWatermarkLimit(log->high_watermark());  // a follower's, until its leader says
  }
  for (auto& [log, limit] : limits) log->SetHighWatermarkLimit(limit);

  for (auto it = fetchers_.begin(); it != fetchers_.end();) {
    auto wanted = leaders.find(it->first);
    if (wanted != leaders.end() && wanted->second == fetcher_addresses_[it->first]) {
      it->second->Wake();
      ++it;
      continue;
    }
    it->second->Stop();
    fetcher_addresses_.erase(it->first);
    it = fetchers_.erase(it);
  }
  for (const auto& [leader, address] : leaders) {
    if (fetchers_.count(leader) > 0) continue;
    fetcher_addresses_[leader] = address;
    fetchers_[leader] = std::make_unique<ReplicaFetcher>(this, self, leader, address);
  }
}

int64_t ReplicaManager::LimitLocked(const Led& led) const {
  int64_t limit = kNoLimit;
  for (int32_t member : led.seen.isr) {
    if (member == options_.broker_id) continue;
    auto it = led.followers.find(member);
    const int64_t durable = it == led.followers.end() || it->second.durable_end < 0
                                ? led.base_high_watermark
                                : it->second.durable_end;
    limit = std::min(limit, durable);
  }
  return limit;
}

absl::StatusOr<std::shared_ptr<storage::PartitionLog>> ReplicaManager::OnFollowerFetch(
    const FollowerPosition& position) {
  std::shared_ptr<storage::PartitionLog> log;
  int64_t limit = kNoLimit;
  {
    absl::MutexLock lock(&mu_);
    auto it = led_.find(Key{position.topic, position.partition});
    if (it == led_.end() || it->second.epoch != position.leader_epoch) {
      return NotLeading(position.topic, position.partition, position.leader_epoch);
    }
    Led& led = it->second;
    if (!Contains(led.seen.replicas, position.follower)) {
      return absl::FailedPreconditionError(
          absl::StrCat("broker ", position.follower, " is not a replica of partition ",
                       position.partition, " of \"", position.topic, "\""));
    }
    const int64_t log_end = led.log->log_end_offset();
    if (position.fetch_offset > log_end) {
      return absl::FailedPreconditionError(
          absl::StrCat("the follower's log end ", position.fetch_offset, " is past the leader's ",
                       log_end, "; truncate to the leader's epoch boundary first"));
    }
    Progress& progress = led.followers[position.follower];
    progress.fetch_offset = position.fetch_offset;
    progress.durable_end = std::min(position.durable_end, position.fetch_offset);
    const absl::Time now = absl::Now();
    if (position.fetch_offset >= log_end) {
      progress.caught_up = now;
    } else if (progress.answered_end >= 0 && position.fetch_offset >= progress.answered_end) {
      progress.caught_up = std::max(progress.caught_up, progress.answered_at);
    }
    progress.answered_end = log_end;
    progress.answered_at = now;
    log = led.log;
    limit = LimitLocked(led);
  }
  log->SetHighWatermarkLimit(limit);
  return log;
}

absl::StatusOr<std::shared_ptr<storage::PartitionLog>> ReplicaManager::LeaderLog(
    absl::string_view topic, int32_t partition, int32_t leader_epoch) const {
  absl::MutexLock lock(&mu_);
  auto it = led_.find(Key{std::string(topic), partition});
  if (it == led_.end() || it->second.epoch != leader_epoch) {
    return NotLeading(topic, partition, leader_epoch);
  }
  return it->second.log;
}

std::vector<ReplicaLag> ReplicaManager::Lags() const {
  absl::MutexLock lock(&mu_);
  std::vector<ReplicaLag> lags;
  for (const auto& [key, led] : led_) {
    const int64_t log_end = led.log->log_end_offset();
    for (int32_t replica : led.seen.replicas) {
      if (replica == options_.broker_id) continue;
      auto it = led.followers.find(replica);
      const int64_t fetched = it == led.followers.end() || it->second.fetch_offset < 0
                                  ? led.base_high_watermark
                                  : it->second.fetch_offset;
      lags.push_back(
          ReplicaLag{key.first, key.second, replica, std::max<int64_t>(0, log_end - fetched)});
    }
  }
  return lags;
}

std::vector<FollowedPartition> ReplicaManager::FollowedFrom(int32_t leader) const {
  absl::MutexLock lock(&mu_);
  std::vector<FollowedPartition> out;
  for (const auto& [key, followed] : followed_) {
    if (followed.leader == leader) out.push_back(followed.partition);
  }
  return out;
}

void ReplicaManager::MarkTruncated(const std::string& topic, int32_t partition,
                                   int32_t leader_epoch, bool truncated) {
  absl::MutexLock lock(&mu_);
  auto it = followed_.find(Key{topic, partition});
  if (it != followed_.end() && it->second.partition.leader_epoch == leader_epoch) {
    it->second.partition.truncated = truncated;
  }
}

std::vector<ReplicaManager::IsrChange> ReplicaManager::IsrChangesLocked(absl::Time now) const {
  std::vector<IsrChange> changes;
  for (const auto& [key, led] : led_) {
    std::vector<int32_t> isr;
    const int64_t high_watermark = led.log->high_watermark();
    for (int32_t replica : led.seen.replicas) {
      const bool member = Contains(led.seen.isr, replica);
      if (replica == options_.broker_id) {
        if (member) isr.push_back(replica);
        continue;
      }
      auto it = led.followers.find(replica);
      const bool in_time =
          it != led.followers.end() && now - it->second.caught_up <= options_.lag_time_max;
      if (member && in_time) isr.push_back(replica);
      // Joins once it holds, durably, everything readers may see and the
      // whole of this epoch so far, and is registered: the controller takes
      // a broker without a registration out of every ISR (one cut off from
      // etcd may still fetch), so adding it back would only undo that.
      if (!member && in_time && registered_.count(replica) > 0 &&
          it->second.durable_end >= high_watermark && it->second.fetch_offset >= led.epoch_start) {
        isr.push_back(replica);
      }
    }
    if (isr != led.seen.isr && !isr.empty()) {
      changes.push_back(IsrChange{key.first, key.second, led.seen, std::move(isr)});
    }
  }
  return changes;
}

void ReplicaManager::RunIsrLoop() {
  for (;;) {
    std::vector<IsrChange> changes;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(200))) return;
      changes = IsrChangesLocked(absl::Now());
    }
    for (const IsrChange& change : changes) {
      absl::Status altered =
          node_->AlterIsr(change.topic, change.partition, change.seen, change.isr);
      if (!altered.ok() && !absl::IsAborted(altered)) {  // aborted: the state moved on
        logging::LogWarning("replication", "ISR change not written",
                            {{"topic", change.topic},
                             {"partition", change.partition},
                             {"error", altered.message()}});
      }
    }
    // A snapshot published before this manager was hooked in, or an Apply
    // that raced it, is caught up here.
    Apply(*node_->metadata());
  }
}

}  // namespace eventlog::replication

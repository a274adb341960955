#include "clients/cpp/consumer.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cpp/server_list.h"

namespace eventlog::client {
namespace {

ResumingSubscription::Options SubscriptionOptions(const Client& client,
                                                  const ConsumerOptions& options) {
  ResumingSubscription::Options out;
  out.max_buffered = options.max_buffered_batches;
  if (options.resubscribe.has_value()) {
    out.resubscribe = *options.resubscribe;
  } else {
    // With one server there is nowhere else to go: its loss ends the
    // subscription, so the application hears of it at once.
    absl::StatusOr<std::vector<std::string>> servers = SplitServers(client.server());
    out.resubscribe = servers.ok() && servers->size() > 1;
  }
  if (options.log) {
    out.log = [log = options.log](absl::string_view line) {
      log(absl::StrCat("eventlog: ", line));
    };
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(Client& client, absl::string_view topic,
                                                           ConsumerOptions options) {
  if (!options.group.empty() && !options.partitions.empty()) {
    return absl::InvalidArgumentError("a consumer takes either a group or explicit partitions");
  }
  v1::SubscribeRequest request;
  request.set_topic(std::string(topic));
  request.mutable_partitions()->Add(options.partitions.begin(), options.partitions.end());
  request.set_group(options.group);
  request.set_start_from(options.start_from);
  request.set_start_offset(options.start_offset);
  request.set_start_timestamp_ms(options.start_timestamp_ms);
  request.set_reset_to(options.reset_to);
  request.set_max_batch_records(options.max_batch_records);
  auto consumer =
      std::make_unique<Consumer>(PrivateTag(), client, std::string(topic), std::move(options));
  consumer->subscription_.Start(request);
  return consumer;
}

Consumer::Consumer(PrivateTag, Client& client, std::string topic, ConsumerOptions options)
    : client_(client),
      topic_(std::move(topic)),
      options_(std::move(options)),
      subscription_(client, SubscriptionOptions(client, options_)),
      auto_commit_interval_(options_.auto_commit_interval.value_or(
          options_.group.empty() ? absl::ZeroDuration() : absl::Seconds(5))),
      next_auto_commit_(absl::Now() + auto_commit_interval_) {}

Consumer::~Consumer() { Close(); }

void Consumer::Close() { subscription_.Cancel(); }

absl::StatusOr<const v1::Record*> Consumer::Poll(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (auto_commit_interval_ > absl::ZeroDuration() && absl::Now() >= next_auto_commit_) {
    next_auto_commit_ = absl::Now() + auto_commit_interval_;
    absl::Status committed = Commit();
    if (!committed.ok()) Log(absl::StrCat("auto-commit failed: ", committed.ToString()));
  }
  while (true) {
    if (current_ != nullptr) {
      v1::RecordBatch* batch = current_->mutable_records();
      if (current_index_ < batch->records_size()) {
        v1::Record* record = batch->mutable_records(current_index_++);
        record->set_partition(batch->partition());
        positions_[batch->partition()] = record->offset() + 1;
        return record;
      }
      subscription_.Recycle(std::move(current_));
    }
    if (!ended_.ok()) return ended_;
    absl::StatusOr<std::unique_ptr<v1::SubscribeResponse>> next =
        subscription_.Next(std::max(deadline - absl::Now(), absl::ZeroDuration()), positions_);
    if (!next.ok()) {
      ended_ = next.status();
      return ended_;
    }
    if (*next == nullptr) return nullptr;
    if ((*next)->has_assignment()) {
      OnAssignment((*next)->assignment());
      subscription_.Recycle(std::move(*next));
      continue;
    }
    if ((*next)->has_records()) {
      const v1::RecordBatch& batch = (*next)->records();
      if (!options_.group.empty() && !Owns(batch.partition())) {
        subscription_.Recycle(std::move(*next));  // revoked: its new owner reads it
        continue;
      }
      high_watermarks_[batch.partition()] = batch.high_watermark();
      current_ = std::move(*next);
      current_index_ = 0;
      continue;
    }
    subscription_.Recycle(std::move(*next));  // an event this client does not know
  }
}

void Consumer::OnAssignment(const v1::Assignment& assignment) {
  std::vector<int32_t> before;
  if (assignment_.has_value()) {
    before.assign(assignment_->partitions().begin(), assignment_->partitions().end());
  }
  std::vector<int32_t> after(assignment.partitions().begin(), assignment.partitions().end());
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  std::vector<int32_t> revoked, added;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(revoked));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  assignment_ = assignment;
  ++assignments_received_;
  // Positions of partitions that moved to another member are not ours to
  // commit: the new owner may commit further.
  for (int32_t p : revoked) {
    if (auto it = positions_.find(p); it != positions_.end()) {
      Log(absl::StrCat("partition ", p, " revoked: position ", it->second,
                       " dropped (its new owner resumes from the committed offset)"));
      positions_.erase(it);
    }
    committed_.erase(p);
  }
  if (!revoked.empty() && options_.on_revoke) options_.on_revoke(revoked);
  if (options_.on_assign) options_.on_assign(added);
}

bool Consumer::Owns(int32_t partition) const {
  if (!assignment_.has_value()) return false;
  const auto& owned = assignment_->partitions();
  return std::find(owned.begin(), owned.end(), partition) != owned.end();
}

void Consumer::Log(absl::string_view line) const {
  if (options_.log) options_.log(absl::StrCat("eventlog: ", topic_, ": ", line));
}

int64_t Consumer::high_watermark(int32_t partition) const {
  auto it = high_watermarks_.find(partition);
  return it == high_watermarks_.end() ? -1 : it->second;
}

const std::string& Consumer::CommitGroup() const {
  return options_.group.empty() ? options_.commit_group : options_.group;
}

absl::Status Consumer::Commit() {
  OffsetMap changed;
  for (const auto& [partition, offset] : positions_) {
    auto it = committed_.find(partition);
    if (it == committed_.end() || it->second != offset) changed[partition] = offset;
  }
  if (changed.empty()) return absl::OkStatus();
  return SendCommit(changed, "");
}

absl::Status Consumer::Commit(int32_t partition, int64_t offset, absl::string_view metadata) {
  if (!options_.group.empty() && !Owns(partition)) {
    Log(absl::StrCat("not committing partition ", partition, ": not assigned to this member"));
    return absl::OkStatus();
  }
  return SendCommit({{partition, offset}}, metadata);
}

absl::Status Consumer::Leave() {
  absl::Status status;
  if (assignment_.has_value() && !assignment_->partitions().empty() && options_.on_revoke) {
    options_.on_revoke({assignment_->partitions().begin(), assignment_->partitions().end()});
  }
  if (auto_commit_interval_ > absl::ZeroDuration()) status = Commit();
  Close();
  return status;
}

v1::CommitOffsetsRequest Consumer::CommitRequest(const OffsetMap& offsets,
                                                 absl::string_view metadata) const {
  v1::CommitOffsetsRequest request;
  request.set_group(CommitGroup());
  request.set_topic(topic_);
  std::vector<std::pair<int32_t, int64_t>> sorted(offsets.begin(), offsets.end());
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [partition, offset] : sorted) {
    v1::CommittedOffset* entry = request.add_offsets();
    entry->set_partition(partition);
    entry->set_offset(offset);
    entry->set_metadata(std::string(metadata));
  }
  if (!options_.group.empty() && assignment_.has_value()) {
    request.set_generation(assignment_->generation());
    request.set_member_id(assignment_->member_id());
  }
  return request;
}

absl::Status Consumer::SendCommit(const OffsetMap& offsets, absl::string_view metadata) {
  if (CommitGroup().empty()) {
    return absl::FailedPreconditionError(
        "no group to commit to: subscribe with a group or set commit_group");
  }
  const v1::CommitOffsetsRequest request = CommitRequest(offsets, metadata);
  absl::Status status = absl::UnimplementedError("");
  if (batched_commits_) {
    status = client_.CommitOffsets(request);
    if (status.code() == absl::StatusCode::kUnimplemented) batched_commits_ = false;
  }
  if (!batched_commits_) {
    status = absl::OkStatus();
    for (const v1::CommittedOffset& entry : request.offsets()) {
      v1::CommitOffsetRequest one;
      one.set_group(request.group());
      one.set_topic(request.topic());
      one.set_partition(entry.partition());
      one.set_offset(entry.offset());
      one.set_metadata(entry.metadata());
      one.set_generation(request.generation());
      one.set_member_id(request.member_id());
      status.Update(client_.CommitOffset(one));
    }
  }
  if (status.ok()) {
    for (const auto& [partition, offset] : offsets) committed_[partition] = offset;
    return status;
  }
  if (!options_.group.empty() && status.code() == absl::StatusCode::kFailedPrecondition) {
    // A rebalance is in progress: the positions stay, and the next Commit()
    // after the new assignment sends those still owned.
    Log(absl::StrCat("commit deferred until the next assignment: ", status.message()));
    return absl::OkStatus();
  }
  return status;
}

}  // namespace eventlog::client

#include "clients/cpp/consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace eventlog::client {

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
  consumer->stream_.Start(request);
  return consumer;
}

Consumer::Consumer(PrivateTag, Client& client, std::string topic, ConsumerOptions options)
    : client_(client),
      topic_(std::move(topic)),
      options_(std::move(options)),
      stream_(client, options_.max_buffered_batches) {}

Consumer::~Consumer() { Close(); }

void Consumer::Close() { stream_.Cancel(); }

absl::StatusOr<const v1::Record*> Consumer::Poll(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (current_ != nullptr) {
      v1::RecordBatch* batch = current_->mutable_records();
      if (current_index_ < batch->records_size()) {
        v1::Record* record = batch->mutable_records(current_index_++);
        record->set_partition(batch->partition());
        positions_[batch->partition()] = record->offset() + 1;
        return record;
      }
      stream_.Recycle(std::move(current_));
    }
    if (!ended_.ok()) return ended_;
    absl::StatusOr<std::unique_ptr<v1::SubscribeResponse>> next =
        stream_.Next(std::max(deadline - absl::Now(), absl::ZeroDuration()));
    if (!next.ok()) {
      ended_ = next.status();
      return ended_;
    }
    if (*next == nullptr) return nullptr;
    if ((*next)->has_assignment()) {
      OnAssignment((*next)->assignment());
      stream_.Recycle(std::move(*next));
      continue;
    }
    if ((*next)->has_records()) {
      const v1::RecordBatch& batch = (*next)->records();
      high_watermarks_[batch.partition()] = batch.high_watermark();
      current_ = std::move(*next);
      current_index_ = 0;
      continue;
    }
    stream_.Recycle(std::move(*next));  // an event this client does not know
  }
}

void Consumer::OnAssignment(const v1::Assignment& assignment) {
  assignment_ = assignment;
  ++assignments_received_;
  // Positions of partitions that moved to another member are not ours to commit.
  const auto owned = [&](int32_t p) {
    return std::find(assignment.partitions().begin(), assignment.partitions().end(), p) !=
           assignment.partitions().end();
  };
  for (auto it = positions_.begin(); it != positions_.end();) {
    if (owned(it->first)) {
      ++it;
    } else {
      committed_.erase(it->first);
      positions_.erase(it++);
    }
  }
}

int64_t Consumer::high_watermark(int32_t partition) const {
  auto it = high_watermarks_.find(partition);
  return it == high_watermarks_.end() ? -1 : it->second;
}

const std::string& Consumer::CommitGroup() const {
  return options_.group.empty() ? options_.commit_group : options_.group;
}

absl::Status Consumer::Commit() {
  for (const auto& [partition, offset] : positions_) {
    auto it = committed_.find(partition);
    if (it != committed_.end() && it->second == offset) continue;
    absl::Status status = Commit(partition, offset);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

v1::CommitOffsetRequest Consumer::CommitRequest(int32_t partition, int64_t offset,
                                                absl::string_view metadata) const {
  v1::CommitOffsetRequest request;
  request.set_group(CommitGroup());
  request.set_topic(topic_);
  request.set_partition(partition);
  request.set_offset(offset);
  request.set_metadata(std::string(metadata));
  if (!options_.group.empty() && assignment_.has_value()) {
    request.set_generation(assignment_->generation());
    request.set_member_id(assignment_->member_id());
  }
  return request;
}

absl::Status Consumer::Commit(int32_t partition, int64_t offset, absl::string_view metadata) {
  if (CommitGroup().empty()) {
    return absl::FailedPreconditionError(
        "no group to commit to: subscribe with a group or set commit_group");
  }
  absl::Status status = client_.CommitOffset(CommitRequest(partition, offset, metadata));
  if (status.ok()) committed_[partition] = offset;
  return status;
}

}  // namespace eventlog::client

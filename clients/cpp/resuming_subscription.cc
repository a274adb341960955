#include "clients/cpp/resuming_subscription.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace eventlog::client {
namespace {}  // namespace

ResumingSubscription::ResumingSubscription(Client& client, Options options)
    : client_(client), options_(std::move(options)) {}

ResumingSubscription::~ResumingSubscription() {
  Cancel();
  std::vector<Stream> streams;
  {
    absl::MutexLock lock(&mu_);
    streams.swap(streams_);
  }
  streams.clear();  // each waits for its call to end
}

void ResumingSubscription::Start(const v1::SubscribeRequest& request) {
  request_ = request;
  Open(request_);
}

void ResumingSubscription::Open(const v1::SubscribeRequest& request) {
  Stream stream;
  stream.call =
      std::make_unique<SubscribeStream>(client_, options_.max_buffered, [this] { Ring(); });
  stream.partitions.assign(request.partitions().begin(), request.partitions().end());
  stream.call->Start(request);
  absl::MutexLock lock(&mu_);
  if (cancelled_) stream.call->Cancel();  // Cancel() ran meanwhile
  streams_.push_back(std::move(stream));
}

void ResumingSubscription::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (Stream& stream : streams_) stream.call->Cancel();
}

void ResumingSubscription::Ring() {
  absl::MutexLock lock(&bell_mu_);
  ++rings_;
}

void ResumingSubscription::Log(absl::string_view line) const {
  if (options_.log) options_.log(line);
}

void ResumingSubscription::Recycle(std::unique_ptr<v1::SubscribeResponse> response) {
  absl::MutexLock lock(&mu_);
  if (!streams_.empty()) streams_.front().call->Recycle(std::move(response));
}

absl::StatusOr<std::unique_ptr<v1::SubscribeResponse>> ResumingSubscription::Next(
    absl::Duration timeout, const Positions& positions) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&bell_mu_);
      seen = rings_;
    }
    // Every stream in turn, without waiting, so that none starves the others.
    std::vector<Stream> ended;
    std::vector<absl::Status> ended_status;
    std::unique_ptr<v1::SubscribeResponse> response;
    {
      absl::MutexLock lock(&mu_);
      const size_t count = streams_.size();
      for (size_t i = 0; i < count && response == nullptr; ++i) {
        const size_t index = (next_stream_ + i) % count;
        absl::StatusOr<std::unique_ptr<v1::SubscribeResponse>> next =
            streams_[index].call->Next(absl::ZeroDuration());
        if (next.ok()) {
          if (*next != nullptr) {
            response = *std::move(next);
            next_stream_ = index + 1;
          }
          continue;
        }
        ended_status.push_back(next.status());
        ended.push_back(std::move(streams_[index]));
      }
      streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                    [](const Stream& s) { return s.call == nullptr; }),
                     streams_.end());
      if (cancelled_ && response == nullptr && streams_.empty()) {
        return absl::CancelledError("subscription closed");
      }
    }
    // A stream delivers: the next break is retried at once (not while others
    // wait to be re-opened, which would retry them on every response).
    if (response != nullptr && !broken_) backoff_.Reset();
    for (size_t i = 0; i < ended.size(); ++i) {
      absl::Status error = OnStreamEnd(ended[i], ended_status[i]);
      if (!error.ok()) {
        Cancel();  // the other streams end too
        return error;
      }
    }
    ended.clear();  // their calls are over
    if (response != nullptr) return response;

    absl::Time now = absl::Now();
    if (broken_ && backoff_.Ready(now)) {
      absl::Status reopened = Resubscribe(positions);
      if (reopened.ok()) {
        broken_ = false;
        broken_all_ = false;
        broken_partitions_.clear();
      } else {
        Log(absl::StrCat("re-subscribing failed (", reopened.ToString(), "); trying again in ",
                         absl::FormatDuration(backoff_.wait())));
        backoff_.Schedule(now);
      }
      continue;  // look at the new streams before waiting
    }
    now = absl::Now();
    if (now >= deadline) return nullptr;
    const absl::Time wake = broken_ ? std::min(deadline, backoff_.next()) : deadline;
    absl::MutexLock lock(&bell_mu_);
    auto changed = [this, seen]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(bell_mu_) { return rings_ != seen; };
    bell_mu_.AwaitWithDeadline(absl::Condition(&changed), wake);
  }
}

absl::Status ResumingSubscription::OnStreamEnd(const Stream& stream, const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return absl::CancelledError("subscription closed");
  }
  // A broker that shuts down cancels its streams; our own cancels are above.
  const bool retryable = absl::IsUnavailable(status) || absl::IsCancelled(status);
  if (!retryable || !options_.resubscribe) return status;
  if (!broken_) backoff_.Schedule(absl::Now());
  broken_ = true;
  if (stream.partitions.empty()) {
    broken_all_ = true;
  } else {
    broken_partitions_.insert(broken_partitions_.end(), stream.partitions.begin(),
                              stream.partitions.end());
  }
  Log(absl::StrCat("subscription to '", request_.topic(), "' broke (", status.ToString(),
                   "); re-subscribing"));
  return absl::OkStatus();
}

absl::Status ResumingSubscription::Resubscribe(const Positions& positions) {
  if (!request_.group().empty()) {
    // The member left with its stream: join again, where the group left off.
    v1::SubscribeRequest rejoin = request_;
    rejoin.set_start_from(v1::START_FROM_COMMITTED);
    Open(rejoin);
    return absl::OkStatus();
  }
  std::vector<int32_t> partitions = broken_partitions_;
  if (broken_all_) {
    if (positions.empty()) {
      Open(request_);  // nothing returned yet: the original request is exact
      return absl::OkStatus();
    }
    absl::StatusOr<v1::TopicDescription> topic = client_.DescribeTopic(request_.topic());
    if (!topic.ok()) return topic.status();
    partitions.clear();
    for (const v1::PartitionInfo& info : topic->partitions())
      partitions.push_back(info.partition());
  }
  std::map<int64_t, std::vector<int32_t>> by_offset;
  std::vector<int32_t> unread;
  for (int32_t p : partitions) {
    auto position = positions.find(p);
    if (position == positions.end()) {
      unread.push_back(p);
    } else {
      by_offset[position->second].push_back(p);
    }
  }
  for (const auto& entry : by_offset) {
    v1::SubscribeRequest resume = request_;
    resume.clear_partitions();
    resume.mutable_partitions()->Add(entry.second.begin(), entry.second.end());
    resume.set_start_from(v1::START_FROM_OFFSET);
    resume.set_start_offset(entry.first);
    Open(resume);
  }
  if (!unread.empty()) {
    v1::SubscribeRequest again = request_;
    again.clear_partitions();
    again.mutable_partitions()->Add(unread.begin(), unread.end());
    Open(again);
  }
  return absl::OkStatus();
}

}  // namespace eventlog::client

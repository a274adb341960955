#include "service/kafka/handler/fetch_operation.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/kafka/handler/kafka_error_mapping.h"

namespace eventlog::kafka {
namespace {

using security::Operation;
using security::ResourceType;

}  // namespace

void FetchOperation::Start(const KafkaHandlerEnv& env, std::string principal,
                           FetchRequest request, KafkaResponseCallback done) {
  const int32_t max_wait_ms =
      std::clamp(request.max_wait_ms, 0, env.broker->options().max_fetch_wait_ms);
  auto operation = std::make_shared<FetchOperation>(env, std::move(principal), std::move(request),
                                                    std::move(done));
  if (max_wait_ms > 0) {
    env.timers->After(absl::Milliseconds(max_wait_ms),
                      [operation] { operation->OnDeadline(); });
  }
  operation->Attempt(/*final=*/max_wait_ms == 0);
}

FetchOperation::FetchOperation(const KafkaHandlerEnv& env, std::string principal,
                               FetchRequest request, KafkaResponseCallback done)
    : env_(env), principal_(std::move(principal)), request_(std::move(request)),
      done_(std::move(done)) {}

FetchResponse FetchOperation::ReadAll(int64_t* bytes, bool* failed,
                                      std::vector<broker::DataPosition>* wait) {
  FetchResponse response;
  *bytes = 0;
  *failed = false;
  int64_t remaining = request_.max_bytes > 0 ? request_.max_bytes : 0;
  for (const FetchRequest::Topic& topic : request_.topics) {
    FetchResponse::Topic& out = response.responses.emplace_back();
    out.topic = topic.topic;
    const bool allowed =
        env_.access->Allows(principal_, Operation::kRead, ResourceType::kTopic, topic.topic);
    for (const FetchRequest::Partition& partition : topic.partitions) {
      FetchResponse::Partition& result = out.partitions.emplace_back();
      result.partition_index = partition.partition;
      result.records = std::string();
      auto fail = [&](ErrorCode code) {
        result.error_code = Wire(code);
        *failed = true;
      };
      if (!allowed) {
        fail(ErrorCode::kTopicAuthorizationFailed);
        continue;
      }
      if (env_.view->Leader(topic.topic, partition.partition) != env_.view->node_id()) {
        fail(ErrorCode::kNotLeaderOrFollower);
        continue;
      }
      const int64_t limit =
          std::max<int64_t>(1, std::min<int64_t>(partition.partition_max_bytes, remaining));
      absl::StatusOr<broker::BatchFetchResult> read = env_.broker->FetchBatches(
          broker::BatchFetchRequest{topic.topic, partition.partition, partition.fetch_offset,
                                    limit});
      if (!read.ok()) {
        fail(ToKafkaError(read.status(), CallKind::kRead));
        continue;
      }
      const storage::BatchReadResult& batches = read->read;
      result.high_watermark = batches.high_watermark;
      result.last_stable_offset = batches.high_watermark;
      result.log_start_offset = batches.log_start_offset;
      // The first batch of the response goes whole; after that the limits
      // hold (a partition past the total gets nothing this time).
      if (batches.bytes > 0 && (*bytes == 0 || batches.bytes <= remaining)) {
        std::string& records = *result.records;
        records.reserve(static_cast<size_t>(batches.bytes));
        for (absl::string_view batch : batches.batches) records.append(batch.data(), batch.size());
        *bytes += batches.bytes;
        remaining -= batches.bytes;
      }
      wait->push_back(broker::DataPosition{topic.topic, partition.partition,
                                           std::max(batches.next_offset, partition.fetch_offset)});
    }
  }
  return response;
}

bool FetchOperation::Claim() {
  std::shared_ptr<broker::DataWaiter> waiter;
  {
    absl::MutexLock lock(&mu_);
    if (answered_) return false;
    answered_ = true;
    waiter = std::move(waiter_);
  }
  if (waiter != nullptr) waiter->Wake();  // releases its registrations
  return true;
}

void FetchOperation::Attempt(bool final) {
  {
    absl::MutexLock lock(&mu_);
    if (answered_) return;
    waiter_.reset();
  }
  // After shutdown only the broker may be touched (the front door's parts
  // may be gone while the broker drains its wake-ups); the connection is
  // closing anyway.
  if (env_.broker->shutting_down()) {
    if (Claim()) std::move(done_)(FetchResponse{});
    return;
  }
  int64_t bytes = 0;
  bool failed = false;
  std::vector<broker::DataPosition> wait;
  FetchResponse response = ReadAll(&bytes, &failed, &wait);
  if (final || failed || bytes >= std::max(request_.min_bytes, 1) || wait.empty()) {
    if (Claim()) std::move(done_)(std::move(response));
    return;
  }
  // Park on every partition; the wake-up reads again on the executor.
  std::weak_ptr<FetchOperation> weak = weak_from_this();
  std::shared_ptr<broker::DataWaiter> waiter = broker::DataWaiter::Create(
      [weak] {
        if (std::shared_ptr<FetchOperation> self = weak.lock()) self->Attempt(/*final=*/false);
      },
      env_.broker->executor());
  {
    absl::MutexLock lock(&mu_);
    if (answered_) return;
    waiter_ = waiter;
  }
  env_.broker->AwaitAnyData(wait, waiter);
}

void FetchOperation::OnDeadline() {
  // A last read: data may have come at the deadline.
  Attempt(/*final=*/true);
}

}  // namespace eventlog::kafka

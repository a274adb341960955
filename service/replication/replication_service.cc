#include "service/replication/replication_service.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eventlog::replication {
namespace {

namespace cv1 = ::eventlog::cluster::v1;

constexpr int64_t kServeMaxBytesPerPartition = 8 << 20;

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// Woken by any of several logs' callbacks.
struct Wakeup {
  absl::Mutex mu;
  bool woken ABSL_GUARDED_BY(mu) = false;
  void Notify() {
    absl::MutexLock lock(&mu);
    woken = true;
  }
};

}  // namespace

void ReplicationService::Answer(const cv1::ReplicaFetchRequest& request,
                                cv1::ReplicaFetchResponse* response, bool* any_data,
                                bool* may_wait) {
  *any_data = false;
  *may_wait = true;
  const int64_t max_bytes =
      std::clamp<int64_t>(request.max_bytes_per_partition(), 1, kServeMaxBytesPerPartition);
  for (const cv1::ReplicaPartitionPosition& position : request.partitions()) {
    cv1::ReplicaPartitionData* data = response->add_partitions();
    data->set_topic(position.topic());
    data->set_partition(position.partition());
    if (position.durable_end() < position.fetch_offset()) *may_wait = false;
    absl::StatusOr<std::shared_ptr<storage::PartitionLog>> log = manager_->OnFollowerFetch(
        FollowerPosition{request.follower_id(), position.topic(), position.partition(),
                         position.fetch_offset(), position.durable_end(), position.leader_epoch()});
    absl::StatusOr<storage::ReplicaRead> read =
        log.ok() ? (*log)->ReadForReplica(position.fetch_offset(), max_bytes) : log.status();
    if (!read.ok()) {
      data->set_code(static_cast<int>(read.status().code()));
      data->set_error(std::string(read.status().message()));
      if (log.ok()) {
        // A follower below the log start starts again there.
        data->set_log_start_offset((*log)->log_start_offset());
        data->set_log_end_offset((*log)->log_end_offset());
      }
      continue;
    }
    if (!read->batches.empty()) *any_data = true;
    *data->mutable_batches() = std::move(read->batches);
    data->set_high_watermark(read->high_watermark);
    data->set_log_end_offset(read->log_end_offset);
    data->set_log_start_offset(read->log_start_offset);
  }
}

void ReplicationService::WaitForRecords(const cv1::ReplicaFetchRequest& request) {
  auto wakeup = std::make_shared<Wakeup>();
  std::vector<std::pair<std::shared_ptr<storage::PartitionLog>, storage::PartitionLog::WaiterId>>
      waits;
  bool ready = false;
  for (const cv1::ReplicaPartitionPosition& position : request.partitions()) {
    absl::StatusOr<std::shared_ptr<storage::PartitionLog>> log =
        manager_->LeaderLog(position.topic(), position.partition(), position.leader_epoch());
    if (!log.ok()) continue;
    const storage::PartitionLog::WaiterId id =
        (*log)->WaitForWritten(position.fetch_offset(), [wakeup] { wakeup->Notify(); });
    if (id == 0) {
      ready = true;  // written meanwhile
      break;
    }
    waits.emplace_back(*log, id);
  }
  if (!ready) {
    absl::MutexLock lock(&wakeup->mu);
    wakeup->mu.AwaitWithTimeout(absl::Condition(&wakeup->woken),
                                absl::Milliseconds(request.max_wait_ms()));
  }
  for (auto& [log, id] : waits) log->CancelWaitForWritten(id);
}

grpc::Status ReplicationService::Fetch(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<cv1::ReplicaFetchResponse, cv1::ReplicaFetchRequest>* stream) {
  cv1::ReplicaFetchRequest request;
  while (!stopping_.load() && !context->IsCancelled() && stream->Read(&request)) {
    cv1::ReplicaFetchResponse response;
    bool any_data = false;
    bool may_wait = false;
    Answer(request, &response, &any_data, &may_wait);
    if (!any_data && may_wait && request.max_wait_ms() > 0 && !stopping_.load()) {
      WaitForRecords(request);
      response.Clear();
      Answer(request, &response, &any_data, &may_wait);
    }
    if (!stream->Write(response)) break;
  }
  if (stopping_.load())
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the broker is stopping");
  return grpc::Status::OK;
}

grpc::Status ReplicationService::OffsetForLeaderEpoch(
    grpc::ServerContext* context, const cv1::OffsetForLeaderEpochRequest* request,
    cv1::OffsetForLeaderEpochResponse* response) {
  (void)context;
  absl::StatusOr<std::shared_ptr<storage::PartitionLog>> log =
      manager_->LeaderLog(request->topic(), request->partition(), request->current_leader_epoch());
  if (!log.ok()) return ToGrpc(log.status());
  const std::pair<int32_t, int64_t> end = (*log)->EndOffsetForEpoch(request->leader_epoch());
  response->set_leader_epoch(end.first);
  response->set_end_offset(end.second);
  return grpc::Status::OK;
}

}  // namespace eventlog::replication

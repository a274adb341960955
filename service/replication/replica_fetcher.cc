#include "service/replication/replica_fetcher.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/util/logging/logger.h"

namespace eventlog::replication {
namespace {

namespace cv1 = ::eventlog::cluster::v1;

constexpr int kMaxWaitMs = 500;
constexpr int64_t kFetchMaxBytesPerPartition = 1 << 20;
constexpr absl::Duration kRetryDelay = absl::Milliseconds(100);

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

ReplicaFetcher::ReplicaFetcher(ReplicaManager* manager, int32_t self, int32_t leader,
                               std::string address)
    : manager_(manager), self_(self), leader_(leader), address_(std::move(address)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(manager->options().max_message_bytes));
  args.SetMaxSendMessageSize(static_cast<int>(manager->options().max_message_bytes));
  // A channel of its own: replication traffic does not queue behind
  // forwarded client calls on the shared one.
  args.SetInt("eventlog.replication", 1);
  // A fetch waiting on a connection that died silently (a network
  // partition: the leader's close never arrived) would wait forever, and
  // the follower would never rejoin the ISR after the partition heals. The
  // stream carries data every max_wait_ms, so frequent pings stay within
  // the server's ping policy; a dead connection is noticed within ~4 s.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args);
  stub_ = cv1::Replication::NewStub(channel_);
  thread_ = std::thread([this] { Run(); });
}

ReplicaFetcher::~ReplicaFetcher() { Stop(); }

void ReplicaFetcher::Wake() { signal_->Wake(); }

void ReplicaFetcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  signal_->Wake();
  if (thread_.joinable()) thread_.join();
}

bool ReplicaFetcher::Pause(absl::Duration timeout) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
  }
  {
    absl::MutexLock lock(&signal_->mu);
    const uint64_t seen = signal_->wakeups;
    auto woken = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return signal_->wakeups != seen; };
    signal_->mu.AwaitWithTimeout(absl::Condition(&woken), timeout);
  }
  absl::MutexLock lock(&mu_);
  return !stopping_;
}

void ReplicaFetcher::Run() {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<Stream> stream;
  auto close = [&] {
    if (stream != nullptr) {
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
      }
      context->TryCancel();
      (void)stream->Finish();
      stream.reset();
      context.reset();
    }
  };
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
    }
    std::vector<FollowedPartition> partitions = manager_->FollowedFrom(leader_);
    bool ready = true;
    for (FollowedPartition& partition : partitions) {
      if (partition.truncated) continue;
      absl::Status truncated = Truncate(partition);
      if (!truncated.ok()) {
        logging::LogWarning("replication", "cannot truncate to the leader epoch's end",
                            {{"topic", partition.topic},
                             {"partition", partition.partition},
                             {"leader_epoch", partition.leader_epoch},
                             {"error", truncated.message()}});
        ready = false;
        continue;
      }
      manager_->MarkTruncated(partition.topic, partition.partition, partition.leader_epoch, true);
      partition.truncated = true;
      logging::LogInfo("replication", "following the leader",
                       {{"topic", partition.topic},
                        {"partition", partition.partition},
                        {"leader", leader_},
                        {"leader_epoch", partition.leader_epoch},
                        {"from_offset", partition.log->log_end_offset()}});
    }
    partitions.erase(std::remove_if(partitions.begin(), partitions.end(),
                                    [](const FollowedPartition& p) { return !p.truncated; }),
                     partitions.end());
    if (partitions.empty()) {
      if (!Pause(ready ? absl::Milliseconds(200) : kRetryDelay)) break;
      continue;
    }
    if (stream == nullptr) {
      context = std::make_unique<grpc::ClientContext>();
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) break;
        context_ = context.get();
      }
      stream = stub_->Fetch(context.get());
    }
    if (!FetchOnce(stream.get(), partitions)) {
      close();
      if (!Pause(kRetryDelay)) break;
    }
  }
  close();
}

bool ReplicaFetcher::FetchOnce(Stream* stream, const std::vector<FollowedPartition>& partitions) {
  cv1::ReplicaFetchRequest request;
  request.set_follower_id(self_);
  request.set_max_wait_ms(kMaxWaitMs);
  request.set_max_bytes_per_partition(kFetchMaxBytesPerPartition);
  std::map<std::pair<std::string, int32_t>, const FollowedPartition*> by_key;
  for (const FollowedPartition& partition : partitions) {
    cv1::ReplicaPartitionPosition* position = request.add_partitions();
    position->set_topic(partition.topic);
    position->set_topic_id(partition.topic_id);
    position->set_partition(partition.partition);
    position->set_fetch_offset(partition.log->log_end_offset());
    position->set_durable_end(partition.log->durable_end());
    position->set_leader_epoch(partition.leader_epoch);
    by_key[{partition.topic, partition.partition}] = &partition;
  }
  cv1::ReplicaFetchResponse response;
  if (!stream->Write(request) || !stream->Read(&response)) return false;
  bool appended = false;
  // Mutable: each partition's batches move into its log, not copied.
  for (cv1::ReplicaPartitionData& data : *response.mutable_partitions()) {
    auto it = by_key.find({data.topic(), data.partition()});
    if (it == by_key.end()) continue;
    const FollowedPartition& partition = *it->second;
    if (data.code() != 0) {
      if (data.code() == static_cast<int>(absl::StatusCode::kFailedPrecondition)) {
        manager_->MarkTruncated(partition.topic, partition.partition, partition.leader_epoch,
                                false);
      } else if (data.code() == static_cast<int>(absl::StatusCode::kOutOfRange)) {
        StartAtLeaderLogStart(partition, data.log_start_offset());
      }
      continue;
    }
    if (!data.batches().empty()) {
      appended = true;
      // The write happens before this returns; `done` runs after the fsync.
      partition.log->AppendReplicaAsync(
          std::move(*data.mutable_batches()), storage::Durability::kAll,
          [manager = manager_, signal = signal_, topic = partition.topic, p = partition.partition,
           epoch = partition.leader_epoch](absl::StatusOr<storage::AppendResult> result) {
            if (!result.ok() && absl::IsFailedPrecondition(result.status())) {
              manager->MarkTruncated(topic, p, epoch, false);
            }
            signal->Wake();
          });
    }
    // Never show more than the leader has on every in-sync replica.
    partition.log->SetHighWatermarkLimit(data.high_watermark());
  }
  if (!appended) {
    // Let the fsyncs of what was written finish before asking again, so
    // that the next request reports them (the leader may then long-poll).
    // The append callbacks wake the signal after the durable end moved, so
    // the condition is checked again then.
    absl::MutexLock lock(&signal_->mu);
    auto synced = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (const FollowedPartition& partition : partitions) {
        if (partition.log->durable_end() < partition.log->log_end_offset()) return false;
      }
      return true;
    };
    signal_->mu.AwaitWithTimeout(absl::Condition(&synced), kRetryDelay);
  }
  return true;
}

void ReplicaFetcher::StartAtLeaderLogStart(const FollowedPartition& partition,
                                           int64_t leader_log_start) {
  const int64_t log_end = partition.log->log_end_offset();
  // Asking again would fail the same way: what it lacks is gone from the
  // leader (Kafka's truncateFullyAndStartAt). Anything else out of range
  // is the leader's log moving under the request; the next one sees it.
  if (leader_log_start <= log_end) return;
  absl::Status reset = partition.log->TruncateFullyAndStartAt(leader_log_start);
  const std::vector<logging::LogField> fields = {{"topic", partition.topic},
                                                 {"partition", partition.partition},
                                                 {"leader", leader_},
                                                 {"log_end_offset", log_end},
                                                 {"leader_log_start_offset", leader_log_start}};
  if (reset.ok()) {
    logging::LogWarning("replication",
                        "the replica ends below the leader's log start: emptied, fetching from "
                        "the leader's log start",
                        fields);
  } else {
    std::vector<logging::LogField> with_error = fields;
    with_error.emplace_back("error", reset.message());
    logging::LogError("replication",
                      "the replica ends below the leader's log start and cannot be emptied",
                      with_error);
  }
}

absl::Status ReplicaFetcher::Truncate(const FollowedPartition& partition) {
  storage::PartitionLog& log = *partition.log;
  for (int round = 0; round < 100; ++round) {
    const int32_t epoch = log.latest_leader_epoch();
    if (epoch < 0) {
      // Nothing this replica holds carries an epoch it knows of: keep only
      // what readers may have seen.
      return log.TruncateTo(log.high_watermark());
    }
    cv1::OffsetForLeaderEpochRequest request;
    request.set_topic(partition.topic);
    request.set_partition(partition.partition);
    request.set_leader_epoch(epoch);
    request.set_current_leader_epoch(partition.leader_epoch);
    cv1::OffsetForLeaderEpochResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status status = stub_->OffsetForLeaderEpoch(&context, request, &response);
    if (!status.ok()) return FromGrpc(status);
    if (response.end_offset() < 0) return log.TruncateTo(log.high_watermark());
    // KIP-279: to where both logs agree, the lower of the leader's end of
    // the epoch it answered for and this replica's own end of that epoch.
    int64_t target = std::min(response.end_offset(), log.log_end_offset());
    const std::pair<int32_t, int64_t> own = log.EndOffsetForEpoch(response.leader_epoch());
    if (own.second >= 0) target = std::min(target, own.second);
    if (absl::Status cut = log.TruncateTo(target); !cut.ok()) return cut;
    if (response.leader_epoch() == epoch || log.latest_leader_epoch() == epoch) {
      return absl::OkStatus();
    }
  }
  return absl::InternalError("the leader-epoch exchange did not converge");
}

}  // namespace eventlog::replication

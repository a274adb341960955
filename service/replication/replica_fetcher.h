// ReplicaFetcher: a follower's copy of the partitions one leader broker
// leads (docs/CLUSTER.md, "The replication stream"). One thread and one
// Replication.Fetch stream per leader: each partition is first truncated to
// the leader's epoch boundary (OffsetForLeaderEpoch, KIP-279), then the
// thread alternates requests (each partition's log end, durable end and
// leader epoch) and answers (batches as stored, appended byte for byte with
// AppendReplicaAsync, fsynced by the group commit; the leader's high
// watermark caps the follower's). After an answer without batches it waits
// for its own fsyncs before asking again, so the leader learns the durable
// end without waiting for a long poll to end.
//
// Thread-safe; Stop() before destruction (the destructor calls it).
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/cluster/v1/replication.grpc.pb.h"
#include "service/replication/replica_manager.h"

namespace eventlog::replication {

class ReplicaFetcher {
 public:
  // Copies what `manager` says this broker (`self`) follows from `leader`
  // at `address` (HOST:PORT). `manager` must outlive the fetcher.
  ReplicaFetcher(ReplicaManager* manager, int32_t self, int32_t leader, std::string address);
  ~ReplicaFetcher();
  ReplicaFetcher(const ReplicaFetcher&) = delete;
  ReplicaFetcher& operator=(const ReplicaFetcher&) = delete;

  // The partitions followed changed, or an fsync completed.
  void Wake() ABSL_LOCKS_EXCLUDED(mu_);
  // Ends the stream and joins the thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Stream = grpc::ClientReaderWriter<cluster::v1::ReplicaFetchRequest,
                                          cluster::v1::ReplicaFetchResponse>;

  void Run();
  // Truncates `partition` to its leader's epoch boundary.
  absl::Status Truncate(const FollowedPartition& partition);
  // The leader answered OUT_OF_RANGE: if `partition` ends below the leader's
  // log start, it is emptied and starts again there.
  void StartAtLeaderLogStart(const FollowedPartition& partition, int64_t leader_log_start);
  // One request and its answer; false when the stream broke.
  bool FetchOnce(Stream* stream, const std::vector<FollowedPartition>& partitions);
  // Waits up to `timeout` for Wake() or Stop(); false once stopping.
  bool Pause(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  ReplicaManager* const manager_;
  const int32_t self_;
  const int32_t leader_;
  const std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cluster::v1::Replication::Stub> stub_;

  // Shared with the append callbacks, which may run after the fetcher is
  // gone (an fsync completing after Stop).
  struct Signal {
    absl::Mutex mu;
    uint64_t wakeups ABSL_GUARDED_BY(mu) = 0;
    void Wake() {
      absl::MutexLock lock(&mu);
      ++wakeups;
    }
  };
  const std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // the open stream's
  std::thread thread_;
};

}  // namespace eventlog::replication

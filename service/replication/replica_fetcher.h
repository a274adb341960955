// ReplicaFetcher: a follower's copy of the partitions one leader broker
// leads (docs/CLUSTER.md, "The replication stream"). One Replication.Fetch
// stream per leader, driven by two threads: the sending thread truncates
// each partition to the leader's epoch boundary (OffsetForLeaderEpoch,
// KIP-279), then keeps one fetch in flight (each partition's log end,
// durable end and leader epoch) and, between fetches, sends a progress
// report whenever its fsyncs moved a durable end, so the leader's high
// watermark does not wait for the next fetch; the reading thread takes the
// answers (batches as stored, appended byte for byte with
// AppendReplicaAsync, fsynced by the group commit; the leader's high
// watermark caps the follower's) and lets the next fetch go at once, while
// those fsyncs run. A leader that does not take progress reports (an
// earlier release) gets the durable ends in the fetches: after an answer
// without batches the fetcher waits for its fsyncs before asking again.
//
// Thread-safe; Stop() before destruction (the destructor calls it).
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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
  // The partitions to fetch, each truncated to its leader's epoch boundary
  // first (those that cannot be yet are left out; `*ready` false then).
  std::vector<FollowedPartition> TruncatedPartitions(bool* ready);
  // Truncates `partition` to its leader's epoch boundary.
  absl::Status Truncate(const FollowedPartition& partition);
  // The leader answered OUT_OF_RANGE: if `partition` ends below the leader's
  // log start, it is emptied and starts again there.
  void StartAtLeaderLogStart(const FollowedPartition& partition, int64_t leader_log_start);
  // Sends a fetch for `partitions`; false when the stream broke.
  bool SendFetch(Stream* stream, const std::vector<FollowedPartition>& partitions)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Sends a progress report of the durable ends that moved since they were
  // last sent (none: nothing sent); false when the stream broke.
  bool SendProgress(Stream* stream) ABSL_LOCKS_EXCLUDED(mu_);
  // The reading thread of one stream: applies answers until it ends.
  void ReadAnswers(Stream* stream) ABSL_LOCKS_EXCLUDED(mu_);
  // Writes the batches of one answer; true if there were any.
  bool ApplyAnswer(const cluster::v1::ReplicaFetchResponse& response,
                   const std::vector<FollowedPartition>& partitions);
  // Waits until every partition in `partitions` is durable to its log end,
  // at most kRetryDelay.
  void AwaitFsyncs(const std::vector<FollowedPartition>& partitions);
  // The wakeups so far, to wait for the next one with AwaitWake.
  uint64_t Wakeups();
  // Waits up to `timeout` for a wakeup after `seen`; false once stopping.
  bool AwaitWake(uint64_t seen, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
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
  // The open stream, shared by the sending and reading threads (reset when
  // it closes). The reading thread sets them, then wakes the signal.
  bool fetch_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<FollowedPartition> in_flight_ ABSL_GUARDED_BY(mu_);  // what it asks for
  bool stream_broken_ ABSL_GUARDED_BY(mu_) = false;
  bool leader_accepts_progress_ ABSL_GUARDED_BY(mu_) = false;
  bool await_fsyncs_ ABSL_GUARDED_BY(mu_) = false;  // before the next fetch (earlier leaders)
  // Per partition of in_flight_, the durable end the leader was last sent.
  std::map<std::pair<std::string, int32_t>, int64_t> reported_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace eventlog::replication

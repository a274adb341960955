// ReplicationService: the leader's side of eventlog.cluster.v1.Replication
// (docs/CLUSTER.md, "The replication stream"). A synchronous gRPC service:
// each follower's Fetch stream holds one server thread, which answers the
// fetches (a broker has at most one stream per other broker), and one
// reader thread of its own, which takes every request as it arrives: the
// positions it carries move the high watermark through
// ReplicaManager::OnFollowerFetch at once (so a follower's progress report
// counts while a fetch long-polls), and fetches are queued for the
// answering thread. A fetch is answered with the batches past each
// partition's fetch offset as stored (ReadForReplica), long-polling
// (PartitionLog::WaitForWritten) up to the request's max_wait_ms when
// there are none (for a follower without progress reports, only once it
// has fsynced everything it holds).
//
// Thread-safe. Stop() before the server shuts down, so that open streams
// end instead of holding the shutdown until they are cancelled.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <vector>

#include "absl/status/status.h"
#include "eventlog/cluster/v1/replication.grpc.pb.h"
#include "service/replication/replica_manager.h"

namespace eventlog::replication {

class ReplicationService final : public cluster::v1::Replication::Service {
 public:
  // `manager` must outlive the service.
  explicit ReplicationService(ReplicaManager* manager) : manager_(manager) {}

  void Stop() { stopping_.store(true); }

  grpc::Status Fetch(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<cluster::v1::ReplicaFetchResponse,
                                              cluster::v1::ReplicaFetchRequest>* stream) override;

  grpc::Status OffsetForLeaderEpoch(grpc::ServerContext* context,
                                    const cluster::v1::OffsetForLeaderEpochRequest* request,
                                    cluster::v1::OffsetForLeaderEpochResponse* response) override;

 private:
  using Stream = grpc::ServerReaderWriter<cluster::v1::ReplicaFetchResponse,
                                          cluster::v1::ReplicaFetchRequest>;
  struct Inbox;

  // The reader thread of one stream: records every request's positions,
  // queues the fetches in `inbox`, and marks it closed when the stream ends.
  void ReadRequests(Stream* stream, Inbox* inbox);
  // Records the follower's positions in `request`; one status per
  // partition (not OK: this broker cannot serve that partition's fetch).
  std::vector<absl::Status> RecordPositions(const cluster::v1::ReplicaFetchRequest& request);
  // Fills `response` for the fetch `request`, whose positions were recorded
  // with `recorded`; `*any_data` if a partition has batches, `*may_wait` if
  // the leader may long-poll.
  void Answer(const cluster::v1::ReplicaFetchRequest& request,
              const std::vector<absl::Status>& recorded,
              cluster::v1::ReplicaFetchResponse* response, bool* any_data, bool* may_wait);
  // Blocks until a partition of `request` has a record at its fetch offset,
  // or `request.max_wait_ms` passes.
  void WaitForRecords(const cluster::v1::ReplicaFetchRequest& request);

  ReplicaManager* const manager_;
  std::atomic<bool> stopping_{false};
};

}  // namespace eventlog::replication

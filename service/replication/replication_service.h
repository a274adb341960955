// ReplicationService: the leader's side of eventlog.cluster.v1.Replication
// (docs/CLUSTER.md, "The replication stream"). A synchronous gRPC service:
// each follower's Fetch stream holds one server thread (a broker has at
// most one stream per other broker), which answers every request with the
// batches past each partition's fetch offset as stored (ReadForReplica),
// long-polling (PartitionLog::WaitForWritten) up to the request's
// max_wait_ms when it has none and the follower has fsynced everything it
// holds; each request's positions move the high watermark through
// ReplicaManager::OnFollowerFetch first.
//
// Thread-safe. Stop() before the server shuts down, so that open streams
// end instead of holding the shutdown until they are cancelled.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>

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
  // Fills `response` for `request`; `*any_data` if a partition has batches,
  // `*may_wait` if the follower has fsynced all it holds everywhere.
  void Answer(const cluster::v1::ReplicaFetchRequest& request,
              cluster::v1::ReplicaFetchResponse* response, bool* any_data, bool* may_wait);
  // Blocks until a partition of `request` has a record at its fetch offset,
  // or `request.max_wait_ms` passes.
  void WaitForRecords(const cluster::v1::ReplicaFetchRequest& request);

  ReplicaManager* const manager_;
  std::atomic<bool> stopping_{false};
};

}  // namespace eventlog::replication

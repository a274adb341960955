// EventLogServer: one running eventlog server, assembled from its parts: the
// storage Store (which locks the data directory), the Broker, the access
// controller, the gRPC EventLog service plus the standard health service and
// server reflection, on plaintext or TLS credentials.
// Used by eventlogd's main() and by the service tests (on 127.0.0.1:0).
//
// In a cluster it also joins the cluster (ClusterNode) once it listens,
// and the broker forwards to the other brokers over BrokerChannels. With an
// HTTP listen address it also starts the HTTP listener (ops::OpsServer:
// probes, /metrics, console), and counts requests (RpcMetrics) and per topic
// traffic for /metrics. With options.kafka.listen set, it also serves the
// Kafka wire protocol (KafkaFrontDoor) on the same broker, access controller
// and TLS files.
//
// Thread-safe. Shutdown order: health NOT_SERVING; broker shutdown (new calls
// and open streams end with UNAVAILABLE, /readyz says so); in a cluster,
// leave it (the registration is revoked, so the broker's partitions go
// unavailable at once instead of after the lease TTL); wait up to
// shutdown_grace_ms for calls in progress to end; the Kafka listener closes;
// gRPC shutdown (stop accepting, cancel what is left, close connections); the
// HTTP listener stops; Store::Close (flush, fsync, close LevelDB).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/broker.h"
#include "service/cluster/cluster_node.h"
#include "service/ops/ops_server.h"
#include "service/replication/replica_manager.h"
#include "service/replication/replication_service.h"
#include "service/security/access_controller.h"
#include "service/server/broker_channels.h"
#include "service/server/call_tracker.h"
#include "service/server/cluster_calls.h"
#include "service/server/event_log_service.h"
#include "service/server/grpc_remote_partitions.h"
#include "service/server/rpc_metrics.h"
#include "service/server/server_options.h"
#include "storage/store.h"

namespace eventlog::service {

class EventLogServer {
 public:
  // Opens the store and starts serving. FAILED_PRECONDITION (from the store)
  // if another process holds the data directory; UNAVAILABLE if the address
  // cannot be listened on; INVALID_ARGUMENT for a malformed address; the
  // errors of the TLS, token and ACL files (checked before the store opens).
  static absl::StatusOr<std::unique_ptr<EventLogServer>> Start(const ServerOptions& options);

  // Shuts down if still running.
  ~EventLogServer();

  EventLogServer(const EventLogServer&) = delete;
  EventLogServer& operator=(const EventLogServer&) = delete;

  // The host part of the listen address and the port actually bound.
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // "host:port" with the bound port.
  std::string address() const;
  // The Kafka listener's HOST:PORT with the bound port ("" when off).
  std::string kafka_address() const { return kafka_ == nullptr ? "" : kafka_->address(); }
  // The HTTP listener's "host:port" with the bound port; "" when off.
  std::string http_address() const { return ops_ != nullptr ? ops_->address() : ""; }

  // Blocks until done (at most about shutdown_grace_ms plus the final
  // fsync). Idempotent. Returns the store's Close() status.
  absl::Status Shutdown();

  // Re-reads the token and ACL files (SIGHUP). On error the ones in use
  // stay and the error is returned. Calls in flight are not disturbed.
  absl::Status ReloadSecurity() { return access_->Reload(); }

  broker::Broker& broker() { return *broker_; }
  // Null on a single broker.
  cluster::ClusterNode* cluster() { return cluster_.get(); }
  // What the broker is reached at (ServerOptions::advertise).
  const std::string& advertise() const { return advertise_; }
  storage::Store& store() { return *store_; }

 private:
  EventLogServer() = default;

  ServerOptions options_;
  std::string host_;
  int port_ = 0;
  std::string advertise_;
  // Destroyed in reverse order: the gRPC server before the service it
  // calls, the broker before the cluster parts it uses, all before the
  // store. The cluster parts are null on a single broker.
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<cluster::ClusterNode> cluster_;
  std::unique_ptr<BrokerChannels> channels_;
  std::unique_ptr<GrpcRemotePartitions> remote_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<ClusterCalls> cluster_calls_;
  // Replicated partitions (null on a single broker): before the server
  // that calls the service, after the cluster node whose hook calls it.
  std::unique_ptr<replication::ReplicaManager> replicas_;
  std::unique_ptr<replication::ReplicationService> replication_;
  std::unique_ptr<security::AccessController> access_;
  RpcMetrics rpc_metrics_;
  std::unique_ptr<EventLogService> service_;
  CallTracker calls_;
  std::unique_ptr<grpc::Server> server_;
  // The Kafka listener's view of the cluster (null on a single broker);
  // outlives the listener.
  std::unique_ptr<kafka::KafkaClusterView> kafka_view_;
  // After the broker and access controller: destroyed before them.
  std::unique_ptr<kafka::KafkaFrontDoor> kafka_;
  // Destroyed first: its handlers use the broker.
  std::unique_ptr<ops::OpsServer> ops_;

  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
  absl::Status close_status_ ABSL_GUARDED_BY(shutdown_mu_);
};

}  // namespace eventlog::service

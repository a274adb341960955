#include "service/server/event_log_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/replication/replica_lag_metrics.h"
#include "service/server/cluster_kafka_view.h"
#include "service/server/reflection_v1_plugin.h"
#include "service/server/server_credentials.h"
#include "service/server/server_transport.h"
#include "service/server/without_reflection.h"
#include "storage/log/sync_stats.h"
#include "storage/util/logging/logger.h"
#include "storage/util/metrics/filesystem_space.h"
#include "storage/util/status_macros.h"

namespace eventlog::service {
namespace {

// The data directory's filesystem, for disk-filling alerts.
void WriteDiskSpace(const storage::StoreOptions& store, metrics::MetricWriter& writer) {
  using Type = metrics::MetricWriter::Type;
  absl::StatusOr<metrics::FilesystemSpace> space = metrics::FilesystemSpace::Of(store.data_dir);
  if (space.ok()) {
    writer.Single("eventlog_disk_free_bytes", Type::kGauge,
                  "Bytes free for eventlogd on the data directory's filesystem.",
                  space->free_bytes);
    writer.Single("eventlog_disk_capacity_bytes", Type::kGauge,
                  "Size of the data directory's filesystem in bytes.", space->capacity_bytes);
  }
  writer.Single("eventlog_disk_min_free_bytes", Type::kGauge,
                "--min_free_bytes: produce is refused below this many free bytes (0: off).",
                std::max<int64_t>(0, store.min_free_bytes));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLogServer>> EventLogServer::Start(
    const ServerOptions& options) {
  const size_t colon = options.listen_address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(absl::StrCat("listen address \"", options.listen_address,
                                                   "\" is not HOST:PORT (e.g. 127.0.0.1:7070)"));
  }
  std::unique_ptr<EventLogServer> server(new EventLogServer());
  server->options_ = options;
  server->host_ = options.listen_address.substr(0, colon);
  // Security files first: a typo there should not need the store.
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   MakeServerCredentials(options.security));
  ASSIGN_OR_RETURN(server->access_,
                   security::AccessController::Create(security::AccessOptions{
                       options.security.auth_tokens_file, options.security.acl_file,
                       !options.security.tls_client_ca_file.empty()}));
  ASSIGN_OR_RETURN(server->store_, storage::Store::Open(options.store));
  const bool http = !options.http_listen_address.empty();
  broker::BrokerOptions broker_options = options.broker;
  broker_options.collect_metrics = broker_options.collect_metrics && http;
  broker::ClusterParts parts;
  if (!options.cluster.etcd_endpoints.empty()) {
    if (!options.security.tls_cert_file.empty() || !options.security.auth_tokens_file.empty()) {
      server->store_->Close().IgnoreError();
      return absl::InvalidArgumentError(
          "a cluster's brokers talk to each other in plaintext without tokens; TLS and tokens "
          "(--tls_cert, --auth_tokens) are not supported with --cluster_etcd yet");
    }
    absl::StatusOr<std::unique_ptr<cluster::ClusterNode>> node =
        cluster::ClusterNode::Start(options.cluster, server->store_.get());
    if (!node.ok()) {
      server->store_->Close().IgnoreError();
      return node.status();
    }
    server->cluster_ = *std::move(node);
    server->channels_ = std::make_unique<BrokerChannels>(
        options.broker.broker_id, options.broker.max_request_bytes + kFramingSlackBytes);
    server->remote_ =
        std::make_unique<GrpcRemotePartitions>(server->channels_.get(), server->cluster_.get());
    parts = broker::ClusterParts{server->cluster_.get(), server->remote_.get(),
                                 server->cluster_->offsets()};
    replication::ReplicaManagerOptions replica_options;
    replica_options.broker_id = options.broker.broker_id;
    replica_options.lag_time_max = absl::Milliseconds(options.cluster.replica_lag_time_max_ms);
    replica_options.max_message_bytes = options.broker.max_request_bytes + kFramingSlackBytes;
    replica_options.min_insync_replicas = options.cluster.min_insync_replicas;
    server->replicas_ = std::make_unique<replication::ReplicaManager>(
        server->store_.get(), server->cluster_.get(), replica_options);
    server->replication_ =
        std::make_unique<replication::ReplicationService>(server->replicas_.get());
    server->cluster_->SetReplicaHook(
        [replicas = server->replicas_.get()](const cluster::ClusterState& state) {
          replicas->Apply(state);
        });
  }
  server->broker_ =
      std::make_unique<broker::Broker>(server->store_.get(), broker_options, parts);
  if (server->cluster_ != nullptr) {
    server->cluster_calls_ = std::make_unique<ClusterCalls>(
        server->broker_.get(), server->cluster_.get(), server->channels_.get());
  }
  // The request interceptor counts requests for /metrics and logs refused
  // ones at debug level; without either it is left out of the call path.
  const bool observe_requests = broker_options.collect_metrics ||
                                logging::Logger::Default().Enabled(logging::LogLevel::kDebug);
  // The advertised address is known once the port is bound; the service
  // reads it only while serving.
  server->service_ = std::make_unique<EventLogService>(
      server->broker_.get(), options.produce_stream, server->access_.get(),
      observe_requests ? &server->rpc_metrics_ : nullptr, server->cluster_calls_.get(),
      &server->advertise_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  InitReflectionV1ServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, credentials, &server->port_);
  builder.RegisterService(server->service_.get());
  if (server->replication_ != nullptr) builder.RegisterService(server->replication_.get());
  if (!options.reflection) builder.SetOption(std::make_unique<WithoutReflection>());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(server->calls_.NewInterceptorFactory());
  if (observe_requests) interceptors.push_back(server->rpc_metrics_.NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  ApplyServerTransport(builder, options.broker.group_session_timeout_ms,
                       options.broker.max_request_bytes);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    server->store_->Close().IgnoreError();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen_address,
                                               " (address in use or not local?)"));
  }
  server->advertise_ = options.advertise.empty() ? server->address() : options.advertise;
  // In a cluster the Kafka listener is bound before the broker registers,
  // so that the registration carries its address; until then the cluster
  // view names no partition led here, so nothing is served too early.
  if (!options.kafka.listen.empty()) {
    kafka::KafkaFrontDoorOptions kafka = options.kafka;
    kafka.tls_cert_file = options.security.tls_cert_file;
    kafka.tls_key_file = options.security.tls_key_file;
    kafka.tls_client_ca_file = options.security.tls_client_ca_file;
    kafka.max_frame_bytes = static_cast<int32_t>(
        std::min<int64_t>(INT32_MAX, options.broker.max_request_bytes + kFramingSlackBytes));
    if (server->cluster_ != nullptr) {
      server->kafka_view_ = std::make_unique<ClusterKafkaView>(
          server->broker_.get(), server->cluster_.get(), server->cluster_calls_.get());
    }
    absl::StatusOr<std::unique_ptr<kafka::KafkaFrontDoor>> door = kafka::KafkaFrontDoor::Start(
        kafka, server->broker_.get(), server->access_.get(), server->kafka_view_.get());
    if (!door.ok()) {
      server->Shutdown().IgnoreError();
      return door.status();
    }
    server->kafka_ = *std::move(door);
  }
  if (server->cluster_ != nullptr) {
    absl::Status joined = [&]() -> absl::Status {
      if (options.advertise.empty() &&
          (server->host_ == "0.0.0.0" || server->host_ == "[::]" || server->host_.empty())) {
        return absl::InvalidArgumentError(
            absl::StrCat("listening on ", server->address(),
                         ", which other brokers and clients cannot dial; set --advertise"));
      }
      server->remote_->SetSelfAddress(server->advertise_);
      return server->cluster_->Join(
          server->broker_.get(), server->advertise_,
          server->kafka_ == nullptr ? "" : server->kafka_->advertised());
    }();
    if (!joined.ok()) {
      server->Shutdown().IgnoreError();
      return joined;
    }
  }
  if (http) {
    ops::OpsOptions ops;
    ops.listen_address = options.http_listen_address;
    ops.metrics = options.metrics;
    if (server->cluster_ != nullptr) {
      ops.metrics.under_replicated_partitions = [cluster = server->cluster_.get()] {
        const std::shared_ptr<const cluster::ClusterState> state = cluster->metadata();
        return state == nullptr ? int64_t{0} : state->UnderReplicatedLedBy(cluster->broker_id());
      };
    }
    ops.tls_cert_file = options.security.tls_cert_file;
    ops.tls_key_file = options.security.tls_key_file;
    ops.process_start = options.process_start;
    ops.broker_id = options.broker.broker_id;
    if (server->cluster_ != nullptr) {
      // A fenced broker leads nothing: load balancers should send clients
      // to a registered one.
      ops.readiness_checks.push_back(
          {"cluster", [cluster = server->cluster_.get()]() -> absl::Status {
             if (cluster->registered()) return absl::OkStatus();
             return absl::UnavailableError("not registered in the cluster (etcd lease lost)");
           }});
    }
    ops.metric_families.push_back(
        [rpc = &server->rpc_metrics_](metrics::MetricWriter& writer) { rpc->Write(writer); });
    if (server->remote_ != nullptr) {
      ops.metric_families.push_back(
          [remote = server->remote_.get()](metrics::MetricWriter& writer) {
            remote->WriteMetrics(writer);
          });
    }
    // Written on a single broker too (0: nothing to copy), as
    // eventlog_under_replicated_partitions is, so dashboards need no cases.
    ops.metric_families.push_back([replicas = server->replicas_.get(),
                                   per_partition = options.metrics.per_partition](
                                      metrics::MetricWriter& writer) {
      replication::WriteReplicaLagMetrics(
          replicas == nullptr ? std::vector<replication::ReplicaLag>{} : replicas->Lags(),
          per_partition, writer);
    });
    ops.metric_families.push_back(
        [](metrics::MetricWriter& writer) { storage::SyncStats::Global().Write(writer); });
    ops.metric_families.push_back(
        [store = options.store](metrics::MetricWriter& writer) { WriteDiskSpace(store, writer); });
    absl::StatusOr<std::unique_ptr<ops::OpsServer>> started =
        ops::OpsServer::Start(std::move(ops), server->broker_.get(), server->access_.get());
    if (!started.ok()) {
      server->Shutdown().IgnoreError();
      return started.status();
    }
    server->ops_ = *std::move(started);
  }
  grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus(eventlog::v1::EventLog::service_full_name(), true);
    health->SetServingStatus(true);
  }
  return server;
}

EventLogServer::~EventLogServer() { Shutdown().IgnoreError(); }

std::string EventLogServer::address() const { return absl::StrCat(host_, ":", port_); }

absl::Status EventLogServer::Shutdown() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return close_status_;
  shut_down_ = true;
  if (server_ != nullptr) {
    grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
    if (health != nullptr) health->SetServingStatus(false);
  }
  if (broker_ != nullptr) broker_->Shutdown();
  if (cluster_ != nullptr) cluster_->Leave();
  // Followers stop fetching and the leader's streams end, so that neither
  // holds the grace period below.
  if (replication_ != nullptr) replication_->Stop();
  if (replicas_ != nullptr) replicas_->Stop();
  if (server_ != nullptr) {
    // Streams end at once now; unary calls and appends in flight get the
    // grace period. gRPC's own Shutdown(deadline) would also wait for idle
    // client connections to close, so it is given no time of its own.
    calls_.WaitForIdle(absl::Now() + absl::Milliseconds(options_.shutdown_grace_ms));
    if (kafka_ != nullptr) kafka_->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
  if (ops_ != nullptr) ops_->Stop();
  if (store_ != nullptr) close_status_ = store_->Close();
  return close_status_;
}

}  // namespace eventlog::service

// Everything needed to run an eventlog server: where to listen, the storage
// options, the broker limits and a few gRPC-level settings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "service/broker/broker_options.h"
#include "service/cluster/cluster_options.h"
#include "service/kafka/handler/kafka_front_door.h"
#include "service/ops/metrics_collector.h"
#include "service/server/produce_stream_limits.h"
#include "service/server/security_options.h"
#include "storage/store.h"

namespace eventlog::service {

struct ServerOptions {
  // host:port; port 0 picks a free port (see EventLogServer::port()).
  std::string listen_address = "127.0.0.1:7070";
  // HOST:PORT at which clients and other brokers reach this broker (what
  // GetMetadata and a cluster's metadata say); empty: the listen address
  // with the port bound.
  std::string advertise;
  // Cluster mode when cluster.etcd_endpoints is set (docs/CLUSTER.md);
  // cluster.broker_id is broker.broker_id.
  cluster::ClusterOptions cluster;
  storage::StoreOptions store;
  broker::BrokerOptions broker;
  // TLS, tokens and ACL; all off by default.
  SecurityOptions security;
  // Serve gRPC server reflection (the API schema) to every client that can
  // connect.
  bool reflection = true;
  // ProduceStream: how far each stream reads ahead of its answers.
  ProduceStreamLimits produce_stream;
  // The Kafka wire protocol (docs/KAFKA.md): off while `kafka.listen` is
  // empty. Its TLS files are the ones of `security`.
  kafka::KafkaFrontDoorOptions kafka;
  // Shutdown: how long open calls get to finish before they are cancelled.
  int64_t shutdown_grace_ms = 3000;
  // The HTTP listener (health probes, /metrics, console; see ops::OpsServer)
  // as HOST:PORT; "" = off. Metrics are collected only when it is on.
  std::string http_listen_address;
  ops::MetricsOptions metrics;
  // When the process started (uptime in /metrics).
  absl::Time process_start = absl::Now();
};

}  // namespace eventlog::service

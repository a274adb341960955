// KafkaFrontDoor: eventlogd's Kafka listener (--kafka_listen): the
// KafkaListener (network, TLS, SASL/PLAIN) with a KafkaBrokerHandler on the
// broker core, and the cluster view it tells clients about. Same TLS files,
// tokens and ACLs as the gRPC API (KafkaAccess).
//
// Thread-safe. Shutdown() stops the listener (connections close, requests in
// flight are dropped); call it after Broker::Shutdown and before the broker
// goes.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "service/broker/broker.h"
#include "service/kafka/handler/kafka_broker_handler.h"
#include "service/kafka/handler/single_broker_view.h"
#include "service/kafka/kafka_listener.h"
#include "service/security/access_controller.h"

namespace eventlog::kafka {

struct KafkaFrontDoorOptions {
  std::string listen;  // HOST:PORT; port 0 picks a free one
  // HOST:PORT clients are told to connect to (Metadata, FindCoordinator).
  // Empty: the listen address, with the bound port; a wildcard host
  // (0.0.0.0, ::) becomes this machine's host name.
  std::string advertise;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  int io_threads = 2;
  int32_t max_frame_bytes = 64 << 20;
};

class KafkaFrontDoor {
 public:
  // `broker` and `access` (may be null) must outlive the front door, and
  // so must `cluster_view` if given (a cluster's view: ClusterKafkaView);
  // null: a SingleBrokerView of this broker at the advertised address.
  // INVALID_ARGUMENT for a malformed address, UNAVAILABLE if it cannot be
  // bound, the TLS files' errors.
  static absl::StatusOr<std::unique_ptr<KafkaFrontDoor>> Start(
      const KafkaFrontDoorOptions& options, broker::Broker* broker,
      const security::AccessController* access,
      const KafkaClusterView* cluster_view = nullptr);

  ~KafkaFrontDoor();
  KafkaFrontDoor(const KafkaFrontDoor&) = delete;
  KafkaFrontDoor& operator=(const KafkaFrontDoor&) = delete;

  // The bound port, and the HOST:PORT the listener was asked for with it.
  int port() const { return listener_->port(); }
  const std::string& address() const { return address_; }
  // What clients are told.
  const std::string& advertised() const { return advertised_; }

  // Idempotent.
  void Shutdown();

 private:
  KafkaFrontDoor() = default;

  std::string address_;
  std::string advertised_;
  std::unique_ptr<SingleBrokerView> single_view_;  // null in a cluster
  std::unique_ptr<KafkaBrokerHandler> handler_;
  std::unique_ptr<KafkaListener> listener_;
};

}  // namespace eventlog::kafka

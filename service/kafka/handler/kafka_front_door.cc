#include "service/kafka/handler/kafka_front_door.h"

#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/util/status_macros.h"

namespace eventlog::kafka {
namespace {

struct HostPort {
  std::string host;
  int32_t port = 0;
};

absl::StatusOr<HostPort> Split(const std::string& address, absl::string_view flag) {
  const size_t colon = address.rfind(':');
  HostPort out;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &out.port) || out.port < 0 ||
      out.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " \"", address, "\" is not HOST:PORT (e.g. 127.0.0.1:9092)"));
  }
  out.host = address.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  return out;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaFrontDoor>> KafkaFrontDoor::Start(
    const KafkaFrontDoorOptions& options, broker::Broker* broker,
    const security::AccessController* access, const KafkaClusterView* cluster_view) {
  ASSIGN_OR_RETURN(HostPort listen, Split(options.listen, "--kafka_listen"));
  HostPort advertise = listen;
  if (!options.advertise.empty()) {
    ASSIGN_OR_RETURN(advertise, Split(options.advertise, "--kafka_advertise"));
  } else if (listen.host == "0.0.0.0" || listen.host == "::") {
    advertise.host = HostName();
  }
  std::unique_ptr<KafkaFrontDoor> door(new KafkaFrontDoor());
  if (cluster_view == nullptr) {
    door->single_view_ = std::make_unique<SingleBrokerView>(broker->options().broker_id,
                                                            advertise.host, advertise.port);
    cluster_view = door->single_view_.get();
  }
  door->handler_ = std::make_unique<KafkaBrokerHandler>(broker, access, cluster_view);
  KafkaListenerOptions listener;
  listener.listen = options.listen;
  listener.io_threads = options.io_threads;
  listener.max_frame_bytes = options.max_frame_bytes;
  listener.tls_cert_file = options.tls_cert_file;
  listener.tls_key_file = options.tls_key_file;
  listener.tls_client_ca_file = options.tls_client_ca_file;
  if (door->handler_->access().sasl_required()) {
    listener.sasl_plain = door->handler_->access().SaslAuthenticator();
  }
  ASSIGN_OR_RETURN(door->listener_, KafkaListener::Start(listener, door->handler_.get()));
  if (advertise.port == 0) advertise.port = door->listener_->port();
  if (door->single_view_ != nullptr) door->single_view_->set_port(advertise.port);
  door->address_ = absl::StrCat(listen.host.find(':') != std::string::npos
                                    ? absl::StrCat("[", listen.host, "]")
                                    : listen.host,
                                ":", door->listener_->port());
  door->advertised_ = absl::StrCat(advertise.host, ":", advertise.port);
  return door;
}

KafkaFrontDoor::~KafkaFrontDoor() { Shutdown(); }

void KafkaFrontDoor::Shutdown() {
  if (listener_ != nullptr) listener_->Shutdown();
}

}  // namespace eventlog::kafka

// OpsServer: eventlogd's HTTP listener (--http_listen): what operators and
// their tools use, next to the gRPC API.
//
//   GET /healthz        200 while the process serves (liveness probe)
//   GET /readyz         200 when ready for traffic, else 503 and the reason
//                       (Readiness; readiness probe)
//   GET /metrics        Prometheus text format (MetricsCollector)
//   GET /               the web console (embedded files, console_assets.h)
//   GET /api/v1/...     the console's JSON API (ConsoleApi)
//
// With authentication on (--auth_tokens), /metrics and /api/v1/ need
// "Authorization: Bearer TOKEN" and the API honours the ACLs; the probes and
// the console's static files never ask. With --tls_cert/--tls_key it serves
// HTTPS with the same certificate as the gRPC port. The HTTP server is
// cpp-httplib (Debian's libcpp-httplib): a small pool of threads, one
// connection each at a time.
//
// Thread-safe. Stop() (or the destructor) ends serving; handlers use the
// broker, so stop this before the broker goes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/broker/broker.h"
#include "service/ops/console_api.h"
#include "service/ops/http_access.h"
#include "service/ops/metrics_collector.h"
#include "service/ops/readiness.h"
#include "service/security/access_controller.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace eventlog::ops {

struct OpsOptions {
  std::string listen_address;  // HOST:PORT; port 0 picks a free port
  MetricsOptions metrics;
  // Both set: HTTPS.
  std::string tls_cert_file;
  std::string tls_key_file;
  int threads = 8;
  // This broker's id: the broker_id label of eventlog_broker_info and the
  // console's "broker" field, so that dashboards and consoles can tell the
  // brokers of a cluster apart (0 for a single broker).
  int32_t broker_id = 0;
  // When the process started (uptime).
  absl::Time process_start = absl::Now();
  // Written into /metrics after the collector's own families.
  std::vector<MetricsCollector::FamilyWriter> metric_families;
  // More reasons not to be ready (name, check).
  std::vector<std::pair<std::string, Readiness::Check>> readiness_checks;
};

class OpsServer {
 public:
  // Binds and starts serving. `broker` and `access` (null: open) must
  // outlive the server. INVALID_ARGUMENT for a malformed address,
  // UNAVAILABLE if it cannot be bound, the TLS files' errors.
  static absl::StatusOr<std::unique_ptr<OpsServer>> Start(OpsOptions options,
                                                          const broker::Broker* broker,
                                                          const security::AccessController* access);
  ~OpsServer();  // Stop()

  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  // The port bound.
  int port() const { return port_; }
  // "host:port" with the bound port.
  std::string address() const;
  bool tls() const { return tls_; }

  // Stops accepting, ends the connections and joins the threads. Idempotent.
  void Stop();

 private:
  OpsServer(OpsOptions options, const broker::Broker* broker,
            const security::AccessController* access);
  void InstallRoutes();

  const OpsOptions options_;
  Readiness readiness_;
  MetricsCollector collector_;
  HttpAccess access_;
  ConsoleApi api_;
  std::unique_ptr<httplib::Server> http_;
  std::string host_;
  int port_ = 0;
  bool tls_ = false;
  absl::Mutex stop_mu_;
  std::thread thread_ ABSL_GUARDED_BY(stop_mu_);
};

}  // namespace eventlog::ops

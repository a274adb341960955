#include "service/ops/ops_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "service/ops/console_assets.h"
#include "storage/util/logging/logger.h"

namespace eventlog::ops {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
// The console loads only its own files; Chart.js sets inline styles on its
// canvases.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'";

void Reply(httplib::Response& res, const HttpReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

// Logs a refused request at debug level.
void LogRefused(const httplib::Request& req, const HttpReply& reply) {
  if (reply.status < 400 || !logging::Logger::Default().Enabled(logging::LogLevel::kDebug)) return;
  logging::LogDebug("http", "request refused",
                    {{"path", req.path},
                     {"status", reply.status},
                     {"peer", absl::StrCat(req.remote_addr, ":", req.remote_port)},
                     {"error", reply.body}});
}

}  // namespace

OpsServer::OpsServer(OpsOptions options, const broker::Broker* broker,
                     const security::AccessController* access)
    : options_(std::move(options)),
      readiness_(broker),
      collector_(broker, &readiness_, options_.process_start, options_.metrics,
                 options_.broker_id),
      access_(access),
      api_(broker, &access_, options_.broker_id) {
  for (const MetricsCollector::FamilyWriter& family : options_.metric_families) {
    collector_.AddFamilies(family);
  }
  for (const auto& [name, check] : options_.readiness_checks) readiness_.AddCheck(name, check);
}

absl::StatusOr<std::unique_ptr<OpsServer>> OpsServer::Start(
    OpsOptions options, const broker::Broker* broker, const security::AccessController* access) {
  const std::string address = options.listen_address;
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP listen address \"", address, "\" is not HOST:PORT (e.g. 0.0.0.0:8080)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]
  }
  std::unique_ptr<OpsServer> server(new OpsServer(std::move(options), broker, access));
  server->host_ = host;
  const OpsOptions& o = server->options_;
  if (!o.tls_cert_file.empty() && !o.tls_key_file.empty()) {
    auto https =
        std::make_unique<httplib::SSLServer>(o.tls_cert_file.c_str(), o.tls_key_file.c_str());
    if (!https->is_valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot serve HTTPS with ", o.tls_cert_file, " and ", o.tls_key_file));
    }
    server->http_ = std::move(https);
    server->tls_ = true;
  } else {
    server->http_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *server->http_;
  const int threads = o.threads > 0 ? o.threads : 1;
  // cpp-httplib takes ownership of the queue it is handed.
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_keep_alive_timeout(2);
  http.set_read_timeout(5);
  http.set_write_timeout(5);
  http.set_payload_max_length(64 * 1024);  // GETs only
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second process
  // bind the same port and take a random share of the probes and scrapes.
  // SO_REUSEADDR alone still allows a quick restart (TIME_WAIT) and makes a
  // port in use a start-up error, as --listen and --kafka_listen are.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    (void)::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->InstallRoutes();
  if (port == 0) {
    port = http.bind_to_any_port(host);
    if (port < 0) port = 0;
  } else if (!http.bind_to_port(host, port)) {
    port = 0;
  }
  if (port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", address, " (address in use or not local?)"));
  }
  server->port_ = port;
  absl::MutexLock lock(&server->stop_mu_);
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  // cpp-httplib's stop() does nothing until the listening thread has set
  // is_running(): a SIGTERM right after start then left Stop() joining a
  // thread that never ends (seen once in CI). Return once it runs.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!http.is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  return server;
}

OpsServer::~OpsServer() { Stop(); }

std::string OpsServer::address() const {
  return host_.find(':') != std::string::npos ? absl::StrCat("[", host_, "]:", port_)
                                              : absl::StrCat(host_, ":", port_);
}

void OpsServer::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (!thread_.joinable()) return;
  http_->stop();
  thread_.join();
}

void OpsServer::InstallRoutes() {
  httplib::Server& http = *http_;
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"Referrer-Policy", "no-referrer"},
                            {"X-Frame-Options", "DENY"}});

  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  http.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const absl::Status ready = readiness_.Ready();
    res.status = ready.ok() ? 200 : 503;
    res.set_content(ready.ok() ? std::string("ready\n") : absl::StrCat(ready.message(), "\n"),
                    "text/plain");
  });
  http.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<std::string> principal =
        access_.Authenticate(req.get_header_value("Authorization"));
    if (!principal.ok()) {
      const HttpReply reply = ErrorReply(principal.status());
      LogRefused(req, reply);
      res.set_header("WWW-Authenticate", "Bearer");
      Reply(res, reply);
      return;
    }
    res.set_content(collector_.Collect(), kMetricsContentType);
  });
  http.Get(R"(/api/v1/([a-z]+))", [this](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    absl::StatusOr<std::string> principal =
        access_.Authenticate(req.get_header_value("Authorization"));
    HttpReply reply;
    if (!principal.ok()) {
      reply = ErrorReply(principal.status());
    } else {
      ConsoleApi::Params params;
      for (const auto& [key, value] : req.params) params.emplace(key, value);
      reply = api_.Handle(req.matches[1].str(), *principal, params);
    }
    LogRefused(req, reply);
    Reply(res, reply);
  });
  const auto asset = [](const httplib::Request& req, httplib::Response& res) {
    const ConsoleAsset* file = FindConsoleAsset(req.path);
    if (file == nullptr) {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
      return;
    }
    if (file->content_type == "text/html") {
      res.set_header("Content-Security-Policy", kContentSecurityPolicy);
      res.set_header("Cache-Control", "no-cache");
    }
    res.set_content(file->data.data(), file->data.size(), std::string(file->content_type).c_str());
  };
  http.Get("/", asset);
  http.Get(R"(/static/[A-Za-z0-9._-]+)", asset);
}

}  // namespace eventlog::ops

// null_eventlogd: the store-nothing reference server of the benchmarks. It
// serves eventlog.v1.EventLog from memory (null_event_log_service.h) with
// eventlogd's gRPC server settings (service/server/event_log_server.cc:
// callback service, pollers, message size cap, keepalive, no SO_REUSEPORT,
// health and reflection), so `eventlog perf` runs unchanged against both and
// the ratio eventlogd / reference is the cost of eventlogd's own work.
//
// SIGTERM / SIGINT: cancels open streams and exits 0. The signals are
// blocked in every thread and taken by sigwait() in main.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "service/server/server_transport.h"
#include "tests/bench/null_eventlogd/null_event_log_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7070",
          "HOST:PORT to serve on (port 0: a free port); prints \"listening on HOST:PORT\"");
ABSL_FLAG(int64_t, produce_stream_max_in_flight, 64,
          "as eventlogd's: responses of one ProduceStream that may wait to be written");
ABSL_FLAG(int64_t, max_request_bytes, 64LL << 20,
          "as eventlogd's: the largest produce request (gRPC's receive cap adds 64 KiB)");
ABSL_FLAG(int64_t, group_session_timeout_ms, 120 * 1000,
          "as eventlogd's: sets the keepalive intervals (half of it, clamped)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_produce_stream_max_in_flight) < 1 ||
      absl::GetFlag(FLAGS_max_request_bytes) < 1) {
    std::fprintf(stderr, "null_eventlogd: --produce_stream_max_in_flight and "
                         "--max_request_bytes must be >= 1\n");
    return 2;
  }
  // Before any thread exists, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string listen = absl::GetFlag(FLAGS_listen);
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    std::fprintf(stderr, "null_eventlogd: --listen=%s is not HOST:PORT\n", listen.c_str());
    return 2;
  }
  eventlog::bench::NullEventLogService service(
      static_cast<size_t>(absl::GetFlag(FLAGS_produce_stream_max_in_flight)));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  eventlog::service::ApplyServerTransport(builder, absl::GetFlag(FLAGS_group_session_timeout_ms),
                                         absl::GetFlag(FLAGS_max_request_bytes));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "null_eventlogd: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", listen.substr(0, colon).c_str(), port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  // Streams end at once (their calls are cancelled); nothing to make durable.
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
  return 0;
}

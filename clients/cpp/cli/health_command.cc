// eventlog health: grpc.health.v1.Health/Check; exit 0 only when SERVING
// (used as the container's HEALTHCHECK).
#include <cstdio>
#include <string>
#include <vector>

#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"

namespace eventlog::cli {

int RunHealth(const std::vector<std::string>& args) {
  CommonFlags common;
  common.timeout_ms = 5000;
  std::string service;
  ArgParser parser("eventlog health", "[--service NAME]",
                   "Asks the server's standard health service; prints SERVING and exits 0 "
                   "when it is serving, else prints the state and exits 1.");
  parser.AddString("service", &service, "service to check (empty = the whole server)");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 0, 0); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto health = MakeClient(common)->CheckHealth(service);
  if (!health.ok()) return ReportError("health check", health.status());
  switch (*health) {
    case client::HealthStatus::kServing:
      std::puts("SERVING");
      return kExitOk;
    case client::HealthStatus::kNotServing:
      std::puts("NOT_SERVING");
      return kExitError;
    case client::HealthStatus::kServiceUnknown:
      std::puts("SERVICE_UNKNOWN");
      return kExitError;
    default:
      std::puts("UNKNOWN");
      return kExitError;
  }
}

}  // namespace eventlog::cli

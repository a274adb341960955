// eventlog perf: dispatch to the perf subcommands.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/perf_commands.h"

namespace eventlog::cli {
namespace {

constexpr char kPerfHelp[] =
    "usage: eventlog perf produce|consume|latency [flags]   (each takes --help)\n"
    "  produce   produce throughput: records/s, MB/s, request latency percentiles\n"
    "  consume   consume throughput from earliest up to the high watermark seen at start\n"
    "            (--mode subscribe|fetch)\n"
    "  latency   end-to-end latency (produce call to subscriber receipt) at a fixed rate\n";

}  // namespace

int RunPerf(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kPerfHelp, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "produce") return RunPerfProduce(rest);
  if (args[0] == "consume") return RunPerfConsume(rest);
  if (args[0] == "latency") return RunPerfLatency(rest);
  std::fputs(absl::StrCat("eventlog perf: unknown subcommand '", args[0], "'\n", kPerfHelp).c_str(),
             stderr);
  return kExitUsage;
}

}  // namespace eventlog::cli

// eventlog: command-line client for eventlogd. See `eventlog --help`.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"
#include "clients/cpp/cli/perf_commands.h"
#include "storage/util/build_info.h"

namespace {

constexpr char kHelp[] =
    "usage: eventlog COMMAND [ARGS] [--server=HOST:PORT]\n"
    "\n"
    "commands:\n"
    "  topic create NAME [--partitions N] [--retention_ms MS] [--retention_bytes B]\n"
    "               [--cleanup_policy delete|compact] [--segment_bytes B] [--max_message_bytes B]\n"
    "  topic list | topic describe NAME | topic delete NAME\n"
    "  produce TOPIC [--partition P] [--keyed] [--key_separator S] [--header k=v ...]\n"
    "                [--acks all|leader]          records from stdin, one per line\n"
    "  consume TOPIC [--partition P ...] [--group G] [--from earliest|latest|offset:N|\n"
    "                timestamp:MS|committed] [--follow] [--max N] [--format text|json]\n"
    "  offsets list TOPIC [--at earliest|latest|timestamp:MS]\n"
    "  offsets commit GROUP TOPIC PARTITION OFFSET [--metadata M]\n"
    "  offsets show GROUP TOPIC\n"
    "  group list | group describe GROUP\n"
    "  health                                      exit 0 only when the server is SERVING\n"
    "  perf produce|consume|latency [flags]        load generators and meters (perf --help)\n"
    "\n"
    "Every command takes --help, --server (default $EVENTLOG_SERVER or 127.0.0.1:7070)\n"
    "and --timeout_ms, and for secured servers --tls, --tls_ca FILE, --tls_cert FILE,\n"
    "--tls_key FILE and --token TOKEN (default $EVENTLOG_TOKEN).\n"
    "Exit codes: 0 ok, 1 error (the gRPC code is printed), 2 usage.\n"
    "eventlog --version prints the version and the git revision it was built from.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace eventlog::cli;  // NOLINT(build/namespaces)
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::fputs(absl::StrCat("eventlog ", eventlog::util::Version(), " (git ",
                            eventlog::util::GitRevision(), ")\n")
                   .c_str(),
               stdout);
    return kExitOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "topic") return RunTopic(args);
  if (command == "produce") return RunProduce(args);
  if (command == "consume") return RunConsume(args);
  if (command == "offsets") return RunOffsets(args);
  if (command == "group") return RunGroup(args);
  if (command == "health") return RunHealth(args);
  if (command == "perf") return RunPerf(args);
  std::fputs(absl::StrCat("eventlog: unknown command '", command, "'\n\n", kHelp).c_str(), stderr);
  return kExitUsage;
}

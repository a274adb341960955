// eventlog: command-line client for eventlogd. See `eventlog --help`.
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"
#include "clients/cpp/cli/perf_commands.h"
#include "storage/util/build_info.h"

namespace {

constexpr char kHelp[] =
    "usage: eventlog [GLOBAL FLAGS] COMMAND [ARGS] [FLAGS]\n"
    "\n"
    "commands:\n"
    "  topic create NAME [--partitions N] [--if_not_exists] [--retention_ms MS]\n"
    "               [--retention_bytes B] [--cleanup_policy delete|compact] [--segment_bytes B]\n"
    "               [--max_message_bytes B]    without --partitions: the broker's default\n"
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
    "Every command takes --help, --server HOST:PORT[,HOST:PORT...] (default\n"
    "$EVENTLOG_SERVER or 127.0.0.1:7070) and --timeout_ms, and for secured servers\n"
    "--tls, --tls_ca FILE, --tls_cert FILE, --tls_key FILE and --token TOKEN (default\n"
    "$EVENTLOG_TOKEN). These global flags may also come before the command:\n"
    "eventlog --server broker:7070 topic list.\n"
    "Exit codes: 0 ok, 1 error (the gRPC code is printed), 2 usage.\n"
    "eventlog --version prints the version and the git revision it was built from.\n";

}  // namespace

// The global flags that may come before the command, and whether each takes
// a value.
constexpr std::pair<const char*, bool> kGlobalFlags[] = {
    {"server", true},   {"timeout_ms", true}, {"tls", false},  {"notls", false},
    {"tls_ca", true},   {"tls_cert", true},   {"tls_key", true}, {"token", true},
};

// Moves the global flags found before the command to the end of the
// command's arguments (before a "--", if any), where every command's parser
// takes them. Returns false (after printing why) for anything else before the
// command.
bool MoveGlobalFlags(std::vector<std::string>& args) {
  std::vector<std::string> globals;
  while (!args.empty() && absl::StartsWith(args[0], "--") && args[0] != "--help" &&
         args[0] != "--version") {
    absl::string_view body = absl::string_view(args[0]).substr(2);
    const size_t eq = body.find('=');
    absl::string_view name = body.substr(0, eq);
    const auto* flag = std::find_if(std::begin(kGlobalFlags), std::end(kGlobalFlags),
                                    [&](const auto& f) { return name == f.first; });
    if (flag == std::end(kGlobalFlags)) {
      std::fputs(absl::StrCat("eventlog: --", name,
                              " is not a global flag: put it after the command (eventlog COMMAND "
                              "... --",
                              name, ")\n")
                     .c_str(),
                 stderr);
      return false;
    }
    const size_t take = flag->second && eq == absl::string_view::npos ? 2 : 1;
    if (take > args.size()) {
      std::fputs(absl::StrCat("eventlog: --", name, " needs a value\n").c_str(), stderr);
      return false;
    }
    globals.insert(globals.end(), args.begin(), args.begin() + take);
    args.erase(args.begin(), args.begin() + take);
  }
  if (globals.empty() || args.empty()) return true;
  auto end = std::find(args.begin() + 1, args.end(), "--");
  args.insert(end, globals.begin(), globals.end());
  return true;
}

int main(int argc, char** argv) {
  using namespace eventlog::cli;  // NOLINT(build/namespaces)
  // Debian builds Abseil with Mutex deadlock detection on (no NDEBUG): a
  // global lock graph updated on every lock, which costs the library's
  // Producer more than sending does (docs/PERFORMANCE.md). eventlogd turns it
  // off the same way.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!MoveGlobalFlags(args)) return kExitUsage;
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

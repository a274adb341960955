// eventlog group list|describe.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"

namespace eventlog::cli {
namespace {

int ListGroups(const std::vector<std::string>& args) {
  CommonFlags common;
  ArgParser parser("eventlog group list", "", "Lists consumer groups.");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 0, 0); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto groups = MakeClient(common)->ListGroups();
  if (!groups.ok()) return ReportError("list groups", groups.status());
  std::sort(groups->begin(), groups->end());
  std::string out;
  for (const std::string& g : *groups) absl::StrAppend(&out, g, "\n");
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int Describe(const std::vector<std::string>& args) {
  CommonFlags common;
  ArgParser parser("eventlog group describe", "GROUP",
                   "Shows a group's generation, members with their partitions, and per "
                   "partition the committed offset, high watermark and lag.");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 1, 1); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto group = MakeClient(common)->DescribeGroup(pos[0]);
  if (!group.ok())
    return ReportError(absl::StrCat("describe group '", pos[0], "'"), group.status());
  std::string out = absl::StrCat("group: ", group->group(), "\ngeneration: ", group->generation(),
                                 "\nmembers: ", group->members_size(), "\n");
  for (const v1::GroupMember& m : group->members()) {
    absl::StrAppend(&out, "  ", m.member_id(), " topic ", m.topic(), " partitions [",
                    absl::StrJoin(m.partitions(), ","), "]\n");
  }
  absl::StrAppendFormat(&out, "\n%-24s %-10s %-17s %-15s %s\n", "TOPIC", "PARTITION",
                        "COMMITTED_OFFSET", "HIGH_WATERMARK", "LAG");
  for (const v1::PartitionLag& l : group->lags()) {
    absl::StrAppendFormat(&out, "%-24s %-10d %-17d %-15d %d\n", l.topic(), l.partition(),
                          l.committed_offset(), l.high_watermark(), l.lag());
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

int RunGroup(const std::vector<std::string>& args) {
  const char* kUsage = "usage: eventlog group list|describe ... (each takes --help)\n";
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "list") return ListGroups(rest);
  if (args[0] == "describe") return Describe(rest);
  if (args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "eventlog group: unknown subcommand '%s'\n%s", args[0].c_str(), kUsage);
  return kExitUsage;
}

}  // namespace eventlog::cli

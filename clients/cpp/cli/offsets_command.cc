// eventlog offsets list|commit|show.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"

namespace eventlog::cli {
namespace {

int ListOffsets(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string at = "latest";
  ArgParser parser("eventlog offsets list", "TOPIC [--at earliest|latest|timestamp:MS]",
                   "Prints, per partition, the earliest or latest offset, or the first offset "
                   "whose timestamp is >= MS (the high watermark when there is none).");
  parser.AddString("at", &at, "earliest, latest or timestamp:MS");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 1, 1); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto position = ParsePosition(at);
  if (!position.ok() || position->kind == Position::Kind::kOffset ||
      position->kind == Position::Kind::kCommitted) {
    parser.UsageError(
        absl::StrCat("--at must be earliest, latest or timestamp:MS, got '", at, "'"));
    return kExitUsage;
  }
  v1::OffsetSpec spec = v1::OFFSET_SPEC_LATEST;
  if (position->kind == Position::Kind::kEarliest) spec = v1::OFFSET_SPEC_EARLIEST;
  if (position->kind == Position::Kind::kTimestamp) spec = v1::OFFSET_SPEC_TIMESTAMP;
  auto offsets = MakeClient(common)->ListOffsets(pos[0], spec, position->value);
  if (!offsets.ok())
    return ReportError(absl::StrCat("list offsets of '", pos[0], "'"), offsets.status());
  std::sort(offsets->begin(), offsets->end(),
            [](const auto& a, const auto& b) { return a.partition() < b.partition(); });
  std::string out;
  for (const v1::PartitionOffset& o : *offsets)
    absl::StrAppend(&out, o.partition(), " ", o.offset(), "\n");
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int Commit(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string metadata;
  int64_t generation = 0;
  std::string member_id;
  ArgParser parser("eventlog offsets commit", "GROUP TOPIC PARTITION OFFSET [--metadata M]",
                   "Stores OFFSET (the next offset to consume) as GROUP's position in "
                   "TOPIC/PARTITION.");
  parser.AddString("metadata", &metadata, "free text stored with the offset");
  parser.AddInt("generation", &generation, "group generation to check (0 = unchecked)");
  parser.AddString("member_id", &member_id,
                   "the committing member, from its assignment (with --generation)");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 4, 4); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto partition = ParsePartition(pos[2]);
  int64_t offset = 0;
  if (!partition.ok()) {
    parser.UsageError(absl::StrCat("PARTITION: ", partition.status().message()));
    return kExitUsage;
  }
  if (!absl::SimpleAtoi(pos[3], &offset) || offset < 0) {
    parser.UsageError(absl::StrCat("OFFSET: bad offset '", pos[3], "'"));
    return kExitUsage;
  }
  absl::Status status = MakeClient(common)->CommitOffset(pos[0], pos[1], *partition, offset,
                                                         metadata, generation, member_id);
  if (!status.ok()) return ReportError("commit offset", status);
  std::printf("committed group %s topic %s partition %d offset %lld\n", pos[0].c_str(),
              pos[1].c_str(), *partition, static_cast<long long>(offset));
  return kExitOk;
}

int Show(const std::vector<std::string>& args) {
  CommonFlags common;
  ArgParser parser("eventlog offsets show", "GROUP TOPIC",
                   "Prints GROUP's committed offsets in TOPIC: partition, offset, metadata. "
                   "Partitions never committed are not listed.");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 2, 2); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  auto client = MakeClient(common);
  auto offsets = client->FetchCommittedOffsets(pos[0], pos[1]);
  if (!offsets.ok()) return ReportError("fetch committed offsets", offsets.status());
  if (offsets->empty()) {
    // Say why nothing is printed: no such group, or nothing committed here.
    auto group = client->DescribeGroup(pos[0]);
    if (group.status().code() == absl::StatusCode::kNotFound) {
      return ReportError(
          "offsets show",
          absl::NotFoundError(absl::StrCat("group '", pos[0],
                                           "' does not exist (no committed offsets, no members)")));
    }
    std::fprintf(stderr, "eventlog: group '%s' has committed no offsets in topic '%s'\n",
                 pos[0].c_str(), pos[1].c_str());
    return kExitOk;
  }
  std::sort(offsets->begin(), offsets->end(),
            [](const auto& a, const auto& b) { return a.partition() < b.partition(); });
  std::string out;
  for (const v1::CommittedOffset& o : *offsets) {
    absl::StrAppend(&out, o.partition(), " ", o.offset());
    if (!o.metadata().empty()) absl::StrAppend(&out, " ", o.metadata());
    absl::StrAppend(&out, "\n");
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

int RunOffsets(const std::vector<std::string>& args) {
  const char* kUsage = "usage: eventlog offsets list|commit|show ... (each takes --help)\n";
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "list") return ListOffsets(rest);
  if (args[0] == "commit") return Commit(rest);
  if (args[0] == "show") return Show(rest);
  if (args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "eventlog offsets: unknown subcommand '%s'\n%s", args[0].c_str(), kUsage);
  return kExitUsage;
}

}  // namespace eventlog::cli

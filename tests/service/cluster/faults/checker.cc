#include "tests/service/cluster/faults/checker.h"

#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace eventlog::testing::faults {
namespace {

using Position = std::pair<int32_t, int64_t>;  // (partition, offset)

int64_t Int(const std::string& field) { return std::strtoll(field.c_str(), nullptr, 10); }

std::string Where(const Position& at) { return absl::StrCat(at.first, "/", at.second); }

}  // namespace

std::vector<std::string> Checker::Check() {
  std::vector<std::string> violations;
  auto violate = [&violations](std::string text) {
    if (violations.size() < 50) violations.push_back(std::move(text));
  };

  std::map<Position, std::string> content;      // first content seen per position
  std::map<Position, std::string> acked;        // acknowledged records
  std::map<Position, std::string> final_reads;  // read after the run
  std::map<int32_t, int64_t> final_end;         // partition -> high watermark after the run
  // (producer, key) -> seq -> position
  std::map<std::pair<std::string, std::string>, std::map<int64_t, Position>> sent;
  // subscriber -> partition -> offsets in the order read
  std::map<std::string, std::map<int32_t, std::vector<int64_t>>> subscribed;
  std::set<Position> group_reads;
  std::map<int32_t, int64_t> committed_seen;     // last committed offset read back
  std::map<int32_t, int64_t> committed_acked;    // largest acknowledged commit
  int64_t acks = 0, reads = 0, commits = 0;

  auto see = [&](const Position& at, const std::string& value, const std::string& by) {
    auto [it, fresh] = content.emplace(at, value);
    if (!fresh && it->second != value) {
      violate(absl::StrCat("offset ", Where(at), " has two contents: \"", it->second, "\" and \"",
                           value, "\" (", by, ")"));
    }
  };

  for (const std::vector<std::string>& f : lines_) {
    const std::string& kind = f[0];
    if (kind == "ack" && f.size() >= 7) {
      const Position at{static_cast<int32_t>(Int(f[4])), Int(f[5])};
      see(at, f[6], absl::StrCat("acknowledged to ", f[1]));
      acked[at] = f[6];
      sent[{f[1], f[2]}][Int(f[3])] = at;
      ++acks;
    } else if (kind == "read" && f.size() >= 6) {
      const Position at{static_cast<int32_t>(Int(f[2])), Int(f[3])};
      see(at, f[5], absl::StrCat("read by ", f[1]));
      ++reads;
      if (f[1] == "final") final_reads[at] = f[5];
      if (absl::StartsWith(f[1], "sub-")) subscribed[f[1]][at.first].push_back(at.second);
      if (absl::StartsWith(f[1], "group-")) group_reads.insert(at);
    } else if (kind == "commit" && f.size() >= 5) {
      int64_t& largest = committed_acked[static_cast<int32_t>(Int(f[2]))];
      largest = std::max(largest, Int(f[3]));
      ++commits;
    } else if (kind == "committed" && f.size() >= 3) {
      const int32_t partition = static_cast<int32_t>(Int(f[1]));
      const int64_t offset = Int(f[2]);
      auto it = committed_seen.find(partition);
      if (it != committed_seen.end() && offset < it->second) {
        violate(absl::StrCat("partition ", partition, "'s committed offset went back from ",
                             it->second, " to ", offset));
      }
      committed_seen[partition] = offset;
    } else if (kind == "final" && f.size() >= 3) {
      final_end[static_cast<int32_t>(Int(f[1]))] = Int(f[2]);
    }
  }

  for (const auto& [at, value] : acked) {
    auto it = final_reads.find(at);
    if (it == final_reads.end()) {
      violate(absl::StrCat("acknowledged record \"", value, "\" at ", Where(at),
                           " is not readable after the run"));
    }
  }
  for (const auto& [who, by_seq] : sent) {
    Position last{-1, -1};
    for (const auto& [seq, at] : by_seq) {
      if (last.first >= 0 && (at.first != last.first || at.second <= last.second)) {
        violate(absl::StrCat(who.first, "'s key ", who.second, ": record ", seq, " at ", Where(at),
                             " does not follow its previous acknowledged one at ", Where(last)));
      }
      last = at;
    }
  }
  for (const auto& [reader, partitions] : subscribed) {
    for (const auto& [partition, offsets] : partitions) {
      for (size_t i = 0; i < offsets.size(); ++i) {
        if (offsets[i] != static_cast<int64_t>(i)) {
          violate(absl::StrCat(reader, " got offset ", offsets[i], " of partition ", partition,
                               " where ", i, " was next (skipped or repeated)"));
          break;
        }
      }
      auto end = final_end.find(partition);
      if (end != final_end.end() && static_cast<int64_t>(offsets.size()) < end->second) {
        violate(absl::StrCat(reader, " stopped at offset ", offsets.size(), " of partition ",
                             partition, ", whose high watermark is ", end->second));
      }
    }
  }
  for (const auto& [partition, largest] : committed_acked) {
    auto seen = committed_seen.find(partition);
    if (seen == committed_seen.end() || seen->second < largest) {
      violate(absl::StrCat("partition ", partition, ": a commit of ", largest,
                           " was acknowledged but the committed offset read last is ",
                           seen == committed_seen.end() ? -1 : seen->second));
    }
  }
  for (const auto& [at, value] : acked) {
    auto committed = committed_seen.find(at.first);
    if (committed != committed_seen.end() && at.second < committed->second &&
        group_reads.count(at) == 0) {
      violate(absl::StrCat("the group committed past ", Where(at), " (\"", value,
                           "\") without reading it"));
    }
  }
  int64_t records = 0;
  for (const auto& [partition, end] : final_end) records += end;
  summary_ = absl::StrCat(acks, " records acknowledged, ", records, " in the log after the run, ",
                          reads, " reads, ", commits, " commits acknowledged");
  return violations;
}

}  // namespace eventlog::testing::faults

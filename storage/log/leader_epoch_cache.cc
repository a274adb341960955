#include "storage/log/leader_epoch_cache.h"

#include <cstddef>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {
namespace {

// First line of the checkpoint; the number is the format's version.
constexpr absl::string_view kHeader = "eventlog-leader-epochs 1";

absl::Status Damaged(const std::string& path, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("leader-epoch checkpoint ", path, " is damaged (", what,
                   "); it is derived data: remove it and the log's batch headers rebuild it"));
}

// The checkpoint's text: the header, the entry count, then one
// "<epoch> <start offset>" line per entry.
std::string Encode(const std::vector<EpochEntry>& entries) {
  std::string text = absl::StrCat(kHeader, "\n", entries.size(), "\n");
  for (const EpochEntry& entry : entries) {
    absl::StrAppend(&text, entry.epoch, " ", entry.start_offset, "\n");
  }
  return text;
}

absl::StatusOr<std::vector<EpochEntry>> Decode(const std::string& path, const std::string& text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  // A complete file ends with a newline: the split's last piece is empty.
  if (lines.size() < 3 || !lines.back().empty()) return Damaged(path, "truncated");
  lines.pop_back();
  if (lines[0] != kHeader) return Damaged(path, "unknown header");
  size_t count = 0;
  if (!absl::SimpleAtoi(lines[1], &count) || count != lines.size() - 2) {
    return Damaged(path, "entry count does not match");
  }
  std::vector<EpochEntry> entries;
  for (size_t i = 2; i < lines.size(); ++i) {
    std::vector<absl::string_view> fields = absl::StrSplit(lines[i], ' ');
    EpochEntry entry;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &entry.epoch) ||
        !absl::SimpleAtoi(fields[1], &entry.start_offset) || entry.epoch < 0 ||
        entry.start_offset < 0) {
      return Damaged(path, absl::StrCat("line ", i + 1, " is not \"<epoch> <offset>\""));
    }
    if (!entries.empty() &&
        (entry.epoch <= entries.back().epoch || entry.start_offset < entries.back().start_offset)) {
      return Damaged(path, absl::StrCat("line ", i + 1, " is out of order"));
    }
    entries.push_back(entry);
  }
  return entries;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LeaderEpochCache>> LeaderEpochCache::Open(fs::FileSystem* fs,
                                                                         std::string path) {
  std::vector<EpochEntry> entries;
  absl::StatusOr<std::string> text = fs::ReadWholeFile(*fs, path);
  if (text.ok()) {
    ASSIGN_OR_RETURN(entries, Decode(path, *text));
  } else if (!absl::IsNotFound(text.status())) {
    return text.status();
  }
  // Not make_unique: the constructor is private.
  return std::unique_ptr<LeaderEpochCache>(
      new LeaderEpochCache(fs, std::move(path), std::move(entries)));
}

absl::Status LeaderEpochCache::Assign(int32_t epoch, int64_t start_offset) {
  absl::MutexLock lock(&mu_);
  if (!entries_.empty()) {
    const EpochEntry& last = entries_.back();
    if (epoch == last.epoch) return absl::OkStatus();
    if (epoch < last.epoch || start_offset < last.start_offset) {
      return absl::FailedPreconditionError(
          absl::StrCat("leader epoch ", epoch, " at offset ", start_offset, " cannot follow epoch ",
                       last.epoch, " at offset ", last.start_offset,
                       " (epochs and their start offsets only grow; truncate first)"));
    }
  }
  entries_.push_back(EpochEntry{epoch, start_offset});
  return PersistLocked();
}

EpochEndOffset LeaderEpochCache::EndOffsetFor(int32_t epoch, int64_t log_end_offset) const {
  absl::MutexLock lock(&mu_);
  if (entries_.empty() || epoch < 0) return EpochEndOffset{};
  if (epoch == entries_.back().epoch) return EpochEndOffset{epoch, log_end_offset};
  // The first entry above `epoch` ends it; the one before it (if any) is
  // the largest epoch at or below it.
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].epoch > epoch) {
      const int32_t floor = i == 0 ? epoch : entries_[i - 1].epoch;
      return EpochEndOffset{floor, entries_[i].start_offset};
    }
  }
  return EpochEndOffset{};  // above the latest epoch
}

absl::Status LeaderEpochCache::TruncateFromEnd(int64_t end_offset) {
  absl::MutexLock lock(&mu_);
  const size_t before = entries_.size();
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  return entries_.size() == before ? absl::OkStatus() : PersistLocked();
}

absl::Status LeaderEpochCache::TruncateFromStart(int64_t start_offset) {
  absl::MutexLock lock(&mu_);
  // Entries wholly below the new start: those followed by one starting at
  // or before it.
  size_t drop = 0;
  while (drop + 1 < entries_.size() && entries_[drop + 1].start_offset <= start_offset) ++drop;
  const bool moves = !entries_.empty() && entries_[drop].start_offset < start_offset;
  if (drop == 0 && !moves) return absl::OkStatus();
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
  if (moves) entries_.front().start_offset = start_offset;
  return PersistLocked();
}

std::optional<EpochEntry> LeaderEpochCache::latest() const {
  absl::MutexLock lock(&mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  absl::MutexLock lock(&mu_);
  return entries_;
}

absl::Status LeaderEpochCache::PersistLocked() const {
  return fs::WriteFileAtomically(*fs_, path_, Encode(entries_));
}

}  // namespace eventlog::storage

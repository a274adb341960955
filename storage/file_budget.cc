#include "storage/file_budget.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/layout.h"
#include "storage/util/open_files.h"

namespace eventlog::storage {
namespace {

constexpr absl::string_view kRemedy =
    "raise the limit (ulimit -n; LimitNOFILE= in a systemd unit; --ulimit nofile=N:N for a "
    "container), or use fewer partitions or larger segments";

}  // namespace

absl::Status FileBudget::CheckDataDirectory() const {
  if (reserved_files_ < 0) return absl::OkStatus();
  absl::StatusOr<util::OpenFileLimit> limit = util::GetOpenFileLimit();
  if (!limit.ok()) return absl::OkStatus();  // nothing to check against
  const int64_t segments = CountSegmentFiles();
  const int64_t open = std::max<int64_t>(util::CountOpenFiles(), 0);
  const uint64_t needed = static_cast<uint64_t>(segments + open + reserved_files_);
  if (needed <= limit->soft) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the data directory ", data_dir_, " holds ", segments,
      " segment files, each kept open while the broker runs; with ", open, " already open and ",
      reserved_files_, " kept for the index and connections that needs ", needed,
      " open files, but the open file limit is ", limit->soft, " (hard limit ", limit->hard,
      "): ", kRemedy));
}

absl::Status FileBudget::CheckNewFiles(int64_t files) const {
  if (reserved_files_ < 0) return absl::OkStatus();
  absl::StatusOr<util::OpenFileLimit> limit = util::GetOpenFileLimit();
  const int64_t open = util::CountOpenFiles();
  if (!limit.ok() || open < 0) return absl::OkStatus();
  const uint64_t needed = static_cast<uint64_t>(open + files + reserved_files_);
  if (needed <= limit->soft) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      files, " new partitions need ", files, " more open files; ", open,
      " are open and ", reserved_files_, " are kept for the index and connections, over the open "
      "file limit of ", limit->soft, ": ", kRemedy));
}

int64_t FileBudget::CountSegmentFiles() const {
  int64_t count = 0;
  const std::string topics_dir = layout::TopicsDir(data_dir_);
  absl::StatusOr<std::vector<std::string>> topics = fs_->ListDir(topics_dir);
  if (!topics.ok()) return 0;  // a new data directory
  for (const std::string& topic : *topics) {
    const std::string topic_dir = topics_dir + "/" + topic;
    absl::StatusOr<std::vector<std::string>> partitions = fs_->ListDir(topic_dir);
    if (!partitions.ok()) continue;
    for (const std::string& partition : *partitions) {
      absl::StatusOr<std::vector<std::string>> files =
          fs_->ListDir(topic_dir + "/" + partition);
      if (!files.ok()) continue;  // topic.meta, not a folder
      for (const std::string& file : *files) {
        int64_t base = 0;
        if (layout::ParsePartitionFileName(file, &base) == layout::PartitionFile::kSegment) ++count;
      }
    }
  }
  return count;
}

}  // namespace eventlog::storage

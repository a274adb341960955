// PartitionRecovery's first step: compactions cut short (see
// docs/storage-format.md, "Recovery at open", step 1).
#include "storage/log/partition_recovery.h"

#include <set>
#include <string>
#include <vector>

#include "leveldb/write_batch.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/util/coding.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::Status PartitionRecovery::FinishCompactions(std::vector<int64_t>* bases,
                                                  int64_t* rescan_from, int64_t* index_scans) {
  fs::FileSystem& fs = *options_.fs;
  const std::string& dir = options_.dir;
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs.ListDir(dir));
  std::set<int64_t> segments, cleaned, swaps;
  for (const std::string& name : names) {
    int64_t base;
    switch (layout::ParsePartitionFileName(name, &base)) {
      case layout::PartitionFile::kSegment:
        segments.insert(base);
        break;
      case layout::PartitionFile::kCleaned:
        cleaned.insert(base);
        break;
      case layout::PartitionFile::kSwap:
        swaps.insert(base);
        break;
      case layout::PartitionFile::kOther:
        break;
    }
  }
  bool changed = false;
  // Layout version 1 committed a compaction with a LevelDB marker written
  // after its .cleaned file was fsynced: roll those forward.
  const std::string marker_prefix =
      layout::PartitionPrefix(layout::kLegacyCompaction, options_.topic_id, options_.partition);
  leveldb::WriteBatch drop_markers;
  ++*index_scans;
  RETURN_IF_ERROR(leveldb_util::ForEach(
      options_.db, marker_prefix, layout::PrefixEnd(marker_prefix),
      [&](absl::string_view key, absl::string_view) {
        drop_markers.Delete(leveldb::Slice(key.data(), key.size()));
        if (key.size() == marker_prefix.size() + 8) {
          const auto base =
              static_cast<int64_t>(util::coding::GetBigEndian64(key.data() + key.size() - 8));
          if (cleaned.erase(base) > 0) swaps.insert(base);  // renamed just below
          if (!fs.Exists(layout::SwapPath(dir, base))) {
            (void)fs.Rename(layout::CleanedPath(dir, base), layout::SwapPath(dir, base));
          }
        }
        return true;
      }));
  // A .swap file is a compaction past its commit point: it replaces the
  // segment (its index entries are rebuilt by the scan).
  for (int64_t base : swaps) {
    if (!fs.Exists(layout::SwapPath(dir, base))) continue;
    RETURN_IF_ERROR(fs.Rename(layout::SwapPath(dir, base), layout::SegmentPath(dir, base)));
    segments.insert(base);
    *rescan_from = std::min(*rescan_from, base);
    changed = true;
  }
  // A .cleaned file is a compaction cut short before it: discarded.
  for (int64_t base : cleaned) {
    RETURN_IF_ERROR(fs.Remove(layout::CleanedPath(dir, base)));
    changed = true;
  }
  if (changed) RETURN_IF_ERROR(Sync(fs.SyncDir(dir), "fsync of directory " + dir));
  if (drop_markers.ApproximateSize() > 0) {
    RETURN_IF_ERROR(leveldb_util::Write(options_.db, &drop_markers, /*sync=*/true,
                                        "cannot remove compaction markers"));
  }
  bases->assign(segments.begin(), segments.end());
  return absl::OkStatus();
}

}  // namespace eventlog::storage

#include "storage/log/partition_recovery.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/log/index_cadence.h"
#include "storage/log/offset_index.h"
#include "storage/log/segment_reader.h"
#include "storage/log/time_index.h"
#include "storage/util/coding.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {
namespace {

constexpr int64_t kMaxOffset = std::numeric_limits<int64_t>::max();
constexpr size_t kScanChunk = 1 << 20;
// Index entries written per LevelDB batch while rebuilding.
constexpr int kEntriesPerWrite = 1024;

absl::StatusOr<std::optional<int64_t>> ReadOffsetKey(leveldb::DB* db, const std::string& key,
                                                     absl::string_view what) {
  std::string value;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return leveldb_util::ToStatus(s, absl::StrCat("cannot read the ", what));
  if (value.size() != 8) return absl::DataLossError(absl::StrCat("malformed ", what));
  return static_cast<int64_t>(util::coding::GetFixed64(value.data()));
}

// Whether the batch at `position` of `segment` starts with a sane header
// naming `base_offset` (an index entry is only trusted if it does).
bool PointsAtBatch(const Segment& segment, int64_t position, int64_t base_offset) {
  absl::StatusOr<format::BatchHeader> h = ReadBatchHeaderAt(segment, position, segment.size());
  return h.ok() && format::CheckBatchHeader(*h).ok() && h->base_offset == base_offset;
}

}  // namespace

absl::Status PartitionRecovery::Sync(const absl::Status& status, const std::string& what) {
  if (options_.health == nullptr) return status;
  return options_.health->CheckSync(status, what);
}

absl::StatusOr<RecoveredPartition> PartitionRecovery::Create() {
  fs::FileSystem& fs = *options_.fs;
  const std::string& dir = options_.dir;
  RETURN_IF_ERROR(fs.CreateDirs(dir));
  RecoveredPartition out;
  ASSIGN_OR_RETURN(out.segments[0],
                   Segment::Open(fs, layout::SegmentPath(dir, 0), 0, fs::OpenMode::kCreate));
  // The folder is fsynced by the caller (see Options::created).
  out.max_timestamp = std::numeric_limits<int64_t>::min();
  // Without a recovery point the next open would take the partition for one
  // of layout version 1 (docs/storage-format.md, "Recovery at open").
  leveldb::WriteBatch update;
  char value[8];
  util::coding::PutFixed64(value, 0);
  update.Put(layout::PartitionPrefix(layout::kRecoveryPoint, options_.topic_id, options_.partition),
             leveldb::Slice(value, sizeof(value)));
  RETURN_IF_ERROR(leveldb_util::Write(options_.db, &update, false, "cannot update index"));
  return out;
}

absl::StatusOr<RecoveredPartition> PartitionRecovery::Run() {
  if (options_.created) return Create();
  fs::FileSystem& fs = *options_.fs;
  const std::string& dir = options_.dir;
  leveldb::DB* const db = options_.db;
  RETURN_IF_ERROR(fs.CreateDirs(dir));
  RecoveredPartition out;
  std::vector<int64_t> bases;
  int64_t rescan_from = kMaxOffset;  // segments compaction replaced: re-index
  RETURN_IF_ERROR(FinishCompactions(&bases, &rescan_from, &out.index_scans));

  const OffsetIndex offset_index(db, options_.topic_id, options_.partition);
  const TimeIndex time_index(db, options_.topic_id, options_.partition);

  // 1. The log start offset, and segments that retention already gave up.
  ASSIGN_OR_RETURN(
      std::optional<int64_t> persisted_start,
      ReadOffsetKey(
          db, layout::PartitionPrefix(layout::kLogStart, options_.topic_id, options_.partition),
          "log start offset"));
  const int64_t log_start = persisted_start.value_or(0);
  bool dir_changed = false;
  if (bases.empty()) {
    ASSIGN_OR_RETURN(
        std::shared_ptr<Segment> segment,
        Segment::Open(fs, layout::SegmentPath(dir, log_start), log_start, fs::OpenMode::kCreate));
    bases.push_back(log_start);
    dir_changed = true;
  }
  while (bases.size() > 1 && bases[1] <= log_start) {
    RETURN_IF_ERROR(fs.Remove(layout::SegmentPath(dir, bases[0])));
    bases.erase(bases.begin());
    dir_changed = true;
  }
  if (dir_changed) RETURN_IF_ERROR(Sync(fs.SyncDir(dir), "fsync of directory " + dir));
  for (int64_t base : bases) {
    ASSIGN_OR_RETURN(out.segments[base], Segment::Open(fs, layout::SegmentPath(dir, base), base,
                                                       fs::OpenMode::kExisting));
  }
  out.log_start_offset = std::max(log_start, bases.front());

  // 2. The recovery point: everything below it was durable. Without one
  // (layout version 1, or a lost index) recovery keeps that release's rules.
  const std::string recovery_point_key =
      layout::PartitionPrefix(layout::kRecoveryPoint, options_.topic_id, options_.partition);
  ASSIGN_OR_RETURN(std::optional<int64_t> persisted_recovery_point,
                   ReadOffsetKey(db, recovery_point_key, "recovery point"));
  const int64_t recovery_point = persisted_recovery_point.value_or(kMaxOffset);

  // 3. Index entries: drop those below the first segment, and from the end
  // those that do not point at the batch they name.
  {
    leveldb::WriteBatch drop;
    out.index_scans += 2;
    RETURN_IF_ERROR(offset_index.DeleteRange(0, bases.front(), &drop));
    RETURN_IF_ERROR(time_index.DeleteBelow(bases.front(), &drop));
    RETURN_IF_ERROR(leveldb_util::Write(db, &drop, false, "cannot update index"));
  }
  std::optional<OffsetIndexEntry> last;
  while (true) {
    ++out.index_scans;
    ASSIGN_OR_RETURN(last, offset_index.Last());
    if (!last.has_value()) break;
    auto seg = out.segments.find(last->segment_base_offset);
    if (seg != out.segments.end() &&
        PointsAtBatch(*seg->second, last->position, last->batch_base_offset)) {
      break;
    }
    leveldb::WriteBatch drop;
    out.index_scans += 2;
    RETURN_IF_ERROR(offset_index.DeleteRange(last->batch_base_offset, kMaxOffset, &drop));
    RETURN_IF_ERROR(time_index.DeleteFrom(last->batch_base_offset, &drop));
    RETURN_IF_ERROR(leveldb_util::Write(db, &drop, false, "cannot update index"));
  }

  // 4. Where the scan starts: the index entry at or below the recovery
  // point, the last entry, and any segment compaction replaced, whichever is
  // earliest. Entries after it are rebuilt.
  std::optional<OffsetIndexEntry> start;
  if (last.has_value()) {
    const int64_t from = std::min({recovery_point, last->batch_base_offset, rescan_from});
    ++out.index_scans;
    ASSIGN_OR_RETURN(start, offset_index.Floor(from));
    if (start.has_value()) {
      auto seg = out.segments.find(start->segment_base_offset);
      if (seg == out.segments.end() ||
          !PointsAtBatch(*seg->second, start->position, start->batch_base_offset)) {
        start.reset();
      }
    }
  }
  {
    leveldb::WriteBatch drop;
    const int64_t keep_through = start.has_value() ? start->batch_base_offset + 1 : 0;
    out.index_scans += 2;
    RETURN_IF_ERROR(offset_index.DeleteRange(keep_through, kMaxOffset, &drop));
    RETURN_IF_ERROR(time_index.DeleteFrom(keep_through, &drop));
    RETURN_IF_ERROR(leveldb_util::Write(db, &drop, false, "cannot update index"));
  }

  // 5. Scan, re-indexing and finding the end.
  IndexCadence cadence(options_.index_interval_bytes);
  int64_t max_ts =
      start.has_value() ? start->max_timestamp_before : std::numeric_limits<int64_t>::min();
  int64_t log_end = out.segments.begin()->first;
  leveldb::WriteBatch puts;
  int pending = 0;
  auto flush_puts = [&]() -> absl::Status {
    if (pending == 0) return absl::OkStatus();
    RETURN_IF_ERROR(leveldb_util::Write(db, &puts, false, "cannot write index"));
    puts.Clear();
    pending = 0;
    return absl::OkStatus();
  };
  std::vector<std::shared_ptr<Segment>> to_sync;  // scanned past the recovery point
  int64_t cut_after = kMaxOffset;                 // segments with a larger base are removed
  auto seg_it =
      start.has_value() ? out.segments.find(start->segment_base_offset) : out.segments.begin();
  int64_t previous_end = -1;  // where the segment scanned before ended
  for (; seg_it != out.segments.end() && cut_after == kMaxOffset; ++seg_it) {
    const std::shared_ptr<Segment>& segment = seg_it->second;
    const bool is_active = std::next(seg_it) == out.segments.end();
    const bool resuming = start.has_value() && seg_it->first == start->segment_base_offset;
    if (previous_end >= 0 && segment->base_offset() > previous_end &&
        previous_end >= recovery_point) {
      // The segment before lost its tail (never synced) and this one begins
      // past it: nothing from there on was acknowledged. Cut here.
      cut_after = std::prev(seg_it)->first;
      break;
    }
    // Resuming at an index entry, the batches before it count as read.
    int64_t expected_next = resuming ? start->batch_base_offset : segment->base_offset();
    log_end = std::max(log_end, expected_next);
    bool past_recovery_point = false;
    SegmentReader reader(segment, resuming ? start->position : 0, segment->size(), kScanChunk,
                         kScanChunk, /*keep_chunks=*/false);
    if (!is_active) reader.set_offset_limit(std::next(seg_it)->first);
    while (true) {
      SegmentReader::Batch batch;
      absl::StatusOr<bool> next = reader.Next(&batch);
      if (next.ok()) {
        if (!*next) break;
        const format::BatchHeader& h = batch.header;
        // Past the recovery point (or with none) the bytes may still sit in
        // the page cache only: synced below before anyone reads them.
        if (h.next_offset() > recovery_point || recovery_point == kMaxOffset) {
          past_recovery_point = true;
        }
        const bool indexed = resuming && batch.position == start->position;
        if (!indexed && cadence.ShouldIndex(batch.position)) {
          offset_index.Put(
              OffsetIndexEntry{h.base_offset, segment->base_offset(), batch.position, max_ts},
              &puts);
          time_index.Put(TimeIndexEntry{max_ts, h.base_offset}, &puts);
          if (++pending >= kEntriesPerWrite) RETURN_IF_ERROR(flush_puts());
          cadence.Add(true, h.batch_length);
        } else {
          cadence.Add(indexed, h.batch_length);
        }
        out.bytes_scanned += h.batch_length;
        max_ts = std::max(max_ts, h.max_timestamp_ms);
        expected_next = h.next_offset();
        log_end = std::max(log_end, expected_next);
        continue;
      }
      // An I/O error is not damage to cut away: the open fails and the file
      // stays as it is.
      if (reader.damage() == SegmentReader::Damage::kNone ||
          reader.damage() == SegmentReader::Damage::kUnreadable) {
        return next.status();
      }
      const int64_t damaged_at = reader.position();
      // Damage that stays (below the recovery point: real corruption) is
      // reported as it is kept; a cut is reported once, below.
      auto report_kept = [&] {
        logging::LogError("storage",
                          "recovery kept a damaged batch below the recovery point; reads of its "
                          "range report DATA_LOSS",
                          {{"file", segment->path()},
                           {"position", damaged_at},
                           {"offset", expected_next},
                           {"recovery_point", recovery_point}});
      };
      bool cut = false;
      if (expected_next >= recovery_point) {
        cut = true;  // past the recovery point: a write never acknowledged
      } else if (!is_active) {
        // Real corruption in a sealed segment: kept for reads to report; go
        // on if the batch length can be trusted.
        report_kept();
        if (reader.SkipDamaged()) continue;
        break;
      } else if (recovery_point == kMaxOffset) {
        // No recovery point: damage followed by a valid batch is mid-log
        // corruption (kept); otherwise it is a torn tail (cut).
        bool valid_after = false;
        if (reader.SkipDamaged()) {
          SegmentReader peek(segment, reader.position(), segment->size(), kScanChunk, kScanChunk,
                             false);
          SegmentReader::Batch after;
          absl::StatusOr<bool> ok = peek.Next(&after);
          valid_after = ok.ok() && *ok;
        }
        if (valid_after) {
          report_kept();
          continue;
        }
        cut = true;
      } else if (reader.SkipDamaged()) {
        report_kept();
        continue;  // corruption below the recovery point, length trusted
      } else {
        // Corruption below the recovery point whose length cannot be
        // trusted: the segment stays as it is (reads report DATA_LOSS), and
        // the log goes on at the recovery point (below).
        report_kept();
        break;
      }
      if (cut) {
        RETURN_IF_ERROR(flush_puts());
        out.truncated_bytes += segment->size() - damaged_at;
        RETURN_IF_ERROR(segment->Truncate(damaged_at));
        past_recovery_point = true;
        cut_after = segment->base_offset();
      }
      break;
    }
    if (past_recovery_point) to_sync.push_back(segment);
    previous_end = expected_next;
  }
  RETURN_IF_ERROR(flush_puts());
  if (recovery_point != kMaxOffset && log_end < recovery_point) {
    // Durable records are missing (corruption, a file cut short): the log
    // goes on at the recovery point in a new segment, so that no offset a
    // reader may have seen is ever handed out again. The lost range reads as
    // DATA_LOSS where damage is left, else as a gap.
    logging::LogError(
        "storage",
        "recovery found durable records missing; the log goes on at "
        "the recovery point",
        {{"dir", dir}, {"log_end_offset", log_end}, {"recovery_point", recovery_point}});
    const std::shared_ptr<Segment>& last = out.segments.rbegin()->second;
    if (last->base_offset() < recovery_point) {
      ASSIGN_OR_RETURN(std::shared_ptr<Segment> fresh,
                       Segment::Open(fs, layout::SegmentPath(dir, recovery_point), recovery_point,
                                     fs::OpenMode::kCreate));
      RETURN_IF_ERROR(Sync(fs.SyncDir(dir), "fsync of directory " + dir));
      to_sync.push_back(last);
      out.segments[recovery_point] = std::move(fresh);
    }
    log_end = recovery_point;
  }
  if (cut_after != kMaxOffset) {
    // Segments after the cut hold nothing acknowledged.
    for (auto it = out.segments.upper_bound(cut_after); it != out.segments.end();) {
      out.truncated_bytes += it->second->size();
      RETURN_IF_ERROR(fs.Remove(it->second->path()));
      it = out.segments.erase(it);
    }
    RETURN_IF_ERROR(Sync(fs.SyncDir(dir), "fsync of directory " + dir));
  }

  if (out.truncated_bytes > 0) {
    logging::LogWarning(
        "storage", "recovery cut a torn, never acknowledged write from the end of the log",
        {{"dir", dir}, {"log_end_offset", log_end}, {"truncated_bytes", out.truncated_bytes}});
  }

  // 6. Make what was recovered durable before anyone reads it: a crash of
  // the process leaves written bytes in the page cache, where the next
  // power loss would take them.
  for (const std::shared_ptr<Segment>& segment : to_sync) {
    if (out.segments.contains(segment->base_offset())) {
      RETURN_IF_ERROR(Sync(segment->Sync(), "fdatasync of " + segment->path()));
    }
  }

  // 7. Entries past the end (a cut tail) go; the recovery point is the end.
  {
    leveldb::WriteBatch update;
    out.index_scans += 2;
    RETURN_IF_ERROR(offset_index.DeleteRange(log_end, kMaxOffset, &update));
    RETURN_IF_ERROR(time_index.DeleteFrom(log_end, &update));
    char value[8];
    util::coding::PutFixed64(value, static_cast<uint64_t>(std::max(log_end, out.log_start_offset)));
    update.Put(recovery_point_key, leveldb::Slice(value, sizeof(value)));
    RETURN_IF_ERROR(leveldb_util::Write(db, &update, false, "cannot update index"));
  }

  const std::shared_ptr<Segment>& active = out.segments.rbegin()->second;
  if (absl::StatusOr<format::BatchHeader> first = ReadBatchHeaderAt(*active, 0, active->size());
      first.ok()) {
    out.active_first_timestamp = first->first_timestamp_ms;
  }
  out.log_end_offset = std::max(log_end, out.log_start_offset);
  out.log_start_offset = std::min(out.log_start_offset, out.log_end_offset);
  out.max_timestamp = max_ts;
  // The cadence of the active segment resumes from its last entry.
  out.bytes_since_index = 0;
  {
    ++out.index_scans;
    ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> entry, offset_index.Last());
    if (entry.has_value() && entry->segment_base_offset == active->base_offset()) {
      out.bytes_since_index = active->size() - entry->position;
    }
  }
  return out;
}

}  // namespace eventlog::storage

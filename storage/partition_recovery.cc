#include "storage/partition_recovery.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/util/coding.h"
#include "storage/file_util.h"
#include "storage/index_cadence.h"
#include "storage/index_keys.h"
#include "storage/leveldb_util.h"
#include "storage/offset_index.h"
#include "storage/segment_reader.h"
#include "storage/util/status_macros.h"
#include "storage/time_index.h"

namespace eventlog::storage {
namespace {

constexpr int64_t kMaxOffset = std::numeric_limits<int64_t>::max();
constexpr size_t kScanChunk = 1 << 20;
// Index entries written per LevelDB batch while rebuilding.
constexpr int kEntriesPerWrite = 1024;

// Parses "<20 digits>.log.cleaned".
bool ParseCleanedName(absl::string_view name, int64_t* base) {
  if (!absl::EndsWith(name, file_util::kCleanedSuffix)) return false;
  std::string segment_name(name.substr(0, name.size() - file_util::kCleanedSuffix.size()));
  segment_name.append(file_util::kSegmentSuffix.data(), file_util::kSegmentSuffix.size());
  return file_util::ParseSegmentFileName(segment_name, base);
}

}  // namespace

PartitionRecovery::PartitionRecovery(std::string dir, leveldb::DB* db, uint64_t topic_id,
                                     int32_t partition, int64_t index_interval_bytes)
    : dir_(std::move(dir)),
      db_(db),
      topic_id_(topic_id),
      partition_(partition),
      index_interval_bytes_(index_interval_bytes) {}

std::string PartitionRecovery::LogStartKey(uint64_t topic_id, int32_t partition) {
  return index_keys::PartitionPrefix(index_keys::kPartitionState, topic_id, partition);
}

std::string PartitionRecovery::CompactionMarkerKey(uint64_t topic_id, int32_t partition,
                                                   int64_t segment_base) {
  return index_keys::PartitionKey(index_keys::kCompaction, topic_id, partition,
                                  static_cast<uint64_t>(segment_base));
}

absl::StatusOr<RecoveredPartition> PartitionRecovery::Run() {
  RETURN_IF_ERROR(file_util::CreateDirs(dir_));
  ASSIGN_OR_RETURN(std::vector<std::string> names, file_util::ListDir(dir_));
  std::vector<int64_t> bases;
  std::map<int64_t, std::string> cleaned;
  for (const std::string& name : names) {
    int64_t base;
    if (file_util::ParseSegmentFileName(name, &base)) {
      bases.push_back(base);
    } else if (ParseCleanedName(name, &base)) {
      cleaned[base] = name;
    }
  }
  std::sort(bases.begin(), bases.end());
  auto path_of = [this](int64_t base) {
    return absl::StrCat(dir_, "/", file_util::SegmentFileName(base));
  };

  // 1. Compactions whose index update was written: finish the rename (the
  // cleaned file was fsynced before the marker was written).
  const std::string marker_prefix =
      index_keys::PartitionPrefix(index_keys::kCompaction, topic_id_, partition_);
  std::vector<int64_t> markers;
  RETURN_IF_ERROR(leveldb_util::ForEach(
      db_, marker_prefix, index_keys::PrefixEnd(marker_prefix),
      [&](absl::string_view key, absl::string_view) {
        if (key.size() == marker_prefix.size() + 8) {
          markers.push_back(
              static_cast<int64_t>(util::coding::GetBigEndian64(key.data() + key.size() - 8)));
        }
        return true;
      }));
  for (int64_t base : markers) {
    auto it = cleaned.find(base);
    if (it != cleaned.end()) {
      const std::string from = absl::StrCat(dir_, "/", it->second);
      if (std::rename(from.c_str(), path_of(base).c_str()) != 0) {
        return file_util::ErrnoStatus(errno, absl::StrCat("cannot rename ", from));
      }
      RETURN_IF_ERROR(file_util::SyncDir(dir_));
      cleaned.erase(it);
    }
    RETURN_IF_ERROR(leveldb_util::ToStatus(
        db_->Delete(leveldb::WriteOptions(), CompactionMarkerKey(topic_id_, partition_, base)),
        "cannot remove compaction marker"));
  }
  // 2. Temporary files of compactions that did not get that far.
  for (const auto& [base, name] : cleaned) {
    if (std::remove(absl::StrCat(dir_, "/", name).c_str()) != 0) {
      return file_util::ErrnoStatus(errno, absl::StrCat("cannot remove ", name));
    }
  }

  RecoveredPartition out;
  const OffsetIndex offset_index(db_, topic_id_, partition_);
  const TimeIndex time_index(db_, topic_id_, partition_);

  // 3. The log start offset, and segments that retention already gave up.
  int64_t log_start = 0;
  {
    std::string value;
    leveldb::Status s =
        db_->Get(leveldb::ReadOptions(), LogStartKey(topic_id_, partition_), &value);
    if (s.ok() && value.size() == 8) {
      log_start = static_cast<int64_t>(util::coding::GetFixed64(value.data()));
    } else if (!s.ok() && !s.IsNotFound()) {
      return leveldb_util::ToStatus(s, "cannot read log start offset");
    }
  }
  if (bases.empty()) {
    ASSIGN_OR_RETURN(std::shared_ptr<Segment> segment,
                     Segment::Open(path_of(log_start), log_start, /*create=*/true));
    RETURN_IF_ERROR(file_util::SyncDir(dir_));
    bases.push_back(log_start);
  }
  while (bases.size() > 1 && bases[1] <= log_start) {
    if (std::remove(path_of(bases[0]).c_str()) != 0) {
      return file_util::ErrnoStatus(errno, absl::StrCat("cannot remove ", path_of(bases[0])));
    }
    bases.erase(bases.begin());
  }
  for (int64_t base : bases) {
    ASSIGN_OR_RETURN(out.segments[base], Segment::Open(path_of(base), base, /*create=*/false));
  }
  out.log_start_offset = std::max(log_start, bases.front());

  // 4. Index entries: drop those below the first segment, and from the end
  // those that do not point at the batch they name.
  {
    leveldb::WriteBatch drop;
    RETURN_IF_ERROR(offset_index.DeleteRange(0, bases.front(), &drop));
    RETURN_IF_ERROR(time_index.DeleteBelow(bases.front(), &drop));
    RETURN_IF_ERROR(leveldb_util::Write(db_, &drop, false, "cannot update index"));
  }
  std::optional<OffsetIndexEntry> start;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> last, offset_index.Last());
    if (!last.has_value()) break;
    auto seg = out.segments.find(last->segment_base_offset);
    if (seg != out.segments.end() &&
        last->position + static_cast<int64_t>(format::kBatchHeaderSize) <= seg->second->size()) {
      char header[format::kBatchHeaderSize];
      RETURN_IF_ERROR(seg->second->ReadAt(last->position, sizeof(header), header));
      const format::BatchHeader h = format::DecodeBatchHeader(header);
      if (format::CheckBatchHeader(h).ok() && h.base_offset == last->batch_base_offset) {
        start = last;
        break;
      }
    }
    leveldb::WriteBatch drop;
    RETURN_IF_ERROR(offset_index.DeleteRange(last->batch_base_offset, kMaxOffset, &drop));
    RETURN_IF_ERROR(time_index.DeleteFrom(last->batch_base_offset, &drop));
    RETURN_IF_ERROR(leveldb_util::Write(db_, &drop, false, "cannot update index"));
  }
  if (!start.has_value()) {
    // Nothing indexed: rebuild the partition's index from the segments.
    leveldb::WriteBatch drop;
    RETURN_IF_ERROR(time_index.DeleteFrom(0, &drop));
    RETURN_IF_ERROR(leveldb_util::Write(db_, &drop, false, "cannot update index"));
  }

  // 5. Scan what the index does not cover, re-indexing and finding the end.
  IndexCadence cadence(index_interval_bytes_);
  int64_t max_ts =
      start.has_value() ? start->max_timestamp_before : std::numeric_limits<int64_t>::min();
  int64_t log_end = out.segments.begin()->first;
  leveldb::WriteBatch puts;
  int pending = 0;
  auto flush_puts = [&]() -> absl::Status {
    if (pending == 0) return absl::OkStatus();
    RETURN_IF_ERROR(leveldb_util::Write(db_, &puts, false, "cannot write index"));
    puts.Clear();
    pending = 0;
    return absl::OkStatus();
  };
  auto seg_it =
      start.has_value() ? out.segments.find(start->segment_base_offset) : out.segments.begin();
  for (; seg_it != out.segments.end(); ++seg_it) {
    const std::shared_ptr<Segment>& segment = seg_it->second;
    const bool is_active = std::next(seg_it) == out.segments.end();
    const bool resuming = start.has_value() && seg_it->first == start->segment_base_offset;
    log_end = std::max(log_end, segment->base_offset());
    SegmentReader reader(segment, resuming ? start->position : 0, segment->size(), kScanChunk,
                         kScanChunk, /*keep_chunks=*/false);
    if (!is_active) reader.set_offset_limit(std::next(seg_it)->first);
    while (true) {
      SegmentReader::Batch batch;
      absl::StatusOr<bool> next = reader.Next(&batch);
      if (next.ok()) {
        if (!*next) break;
        const format::BatchHeader& h = batch.header;
        const bool already_indexed = resuming && batch.position == start->position &&
                                     h.base_offset == start->batch_base_offset;
        bool indexed = already_indexed;
        if (!already_indexed && cadence.ShouldIndex(batch.position)) {
          offset_index.Put(
              OffsetIndexEntry{h.base_offset, segment->base_offset(), batch.position, max_ts},
              &puts);
          time_index.Put(TimeIndexEntry{max_ts, h.base_offset}, &puts);
          indexed = true;
          if (++pending >= kEntriesPerWrite) RETURN_IF_ERROR(flush_puts());
        }
        cadence.Add(indexed, h.batch_length);
        out.bytes_scanned += h.batch_length;
        max_ts = std::max(max_ts, h.max_timestamp_ms);
        log_end = std::max(log_end, h.next_offset());
        continue;
      }
      // An I/O error is not damage to cut away: the open fails and the file
      // stays as it is.
      if (reader.damage() == SegmentReader::Damage::kNone ||
          reader.damage() == SegmentReader::Damage::kUnreadable) {
        return next.status();
      }
      if (!is_active) {
        // A sealed segment: keep the damage for reads to report; go on if
        // the batch length can be trusted.
        if (reader.SkipDamaged()) continue;
        break;
      }
      // The active segment: damage followed by a valid batch is mid-log
      // corruption (kept); otherwise it is a torn tail (cut off).
      const int64_t damaged_at = reader.position();
      bool valid_after = false;
      if (reader.SkipDamaged()) {
        SegmentReader peek(segment, reader.position(), segment->size(), kScanChunk, kScanChunk,
                           false);
        SegmentReader::Batch after;
        absl::StatusOr<bool> ok = peek.Next(&after);
        valid_after = ok.ok() && *ok;
      }
      if (valid_after) continue;
      RETURN_IF_ERROR(flush_puts());
      RETURN_IF_ERROR(segment->Truncate(damaged_at));
      RETURN_IF_ERROR(segment->Sync());
      break;
    }
  }
  RETURN_IF_ERROR(flush_puts());

  // 6. Entries past the end (a cut tail, lost data) go.
  {
    leveldb::WriteBatch drop;
    RETURN_IF_ERROR(offset_index.DeleteRange(log_end, kMaxOffset, &drop));
    RETURN_IF_ERROR(time_index.DeleteFrom(log_end, &drop));
    RETURN_IF_ERROR(leveldb_util::Write(db_, &drop, false, "cannot update index"));
  }

  const std::shared_ptr<Segment>& active = out.segments.rbegin()->second;
  if (active->size() >= static_cast<int64_t>(format::kBatchHeaderSize)) {
    char header[format::kBatchHeaderSize];
    RETURN_IF_ERROR(active->ReadAt(0, sizeof(header), header));
    out.active_first_timestamp = format::DecodeBatchHeader(header).first_timestamp_ms;
  }
  out.log_end_offset = std::max(log_end, out.log_start_offset);
  out.log_start_offset = std::min(out.log_start_offset, out.log_end_offset);
  out.max_timestamp = max_ts;
  // The cadence of the active segment resumes from its last entry.
  out.bytes_since_index = 0;
  {
    ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> last, offset_index.Last());
    if (last.has_value() && last->segment_base_offset == active->base_offset()) {
      out.bytes_since_index = active->size() - last->position;
    }
  }
  return out;
}

}  // namespace eventlog::storage

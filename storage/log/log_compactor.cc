#include "storage/log/log_compactor.h"

#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/format/batch_record_iterator.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/log/index_cadence.h"
#include "storage/log/segment_reader.h"
#include "storage/log/segment_scan.h"
#include "storage/util/coding.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {
namespace {

constexpr size_t kScanChunk = 1 << 20;

}  // namespace

LogCompactor::Stats LogCompactor::stats() const {
  return Stats{runs_.load(), segments_rewritten_.load(), bytes_reclaimed_.load(),
               damaged_batches_.load()};
}

absl::Status LogCompactor::CheckSync(const absl::Status& status, const std::string& what) {
  return options_->health->CheckSync(status, what);
}

absl::StatusOr<int64_t> LogCompactor::FirstSeen(int64_t base, int64_t now_ms) {
  const std::string key = layout::PartitionKey(layout::kCleanerSeen, options_->topic_id,
                                               options_->partition, static_cast<uint64_t>(base));
  std::string value;
  leveldb::Status s = options_->db->Get(leveldb::ReadOptions(), key, &value);
  if (s.ok() && value.size() == 8) {
    return static_cast<int64_t>(util::coding::GetFixed64(value.data()));
  }
  if (!s.ok() && !s.IsNotFound()) return leveldb_util::ToStatus(s, "cannot read cleaner state");
  // Not synced: if lost in a crash, the cleaner sees the segment "first"
  // again later, which only keeps tombstones longer.
  char encoded[8];
  util::coding::PutFixed64(encoded, static_cast<uint64_t>(now_ms));
  RETURN_IF_ERROR(leveldb_util::ToStatus(
      options_->db->Put(leveldb::WriteOptions(), key, leveldb::Slice(encoded, 8)),
      "cannot write cleaner state"));
  return now_ms;
}

absl::Status LogCompactor::Compact() {
  RETURN_IF_ERROR(segments_->CheckOpen());
  if (options_->config.cleanup_policy != CleanupPolicy::kCompact) return absl::OkStatus();
  const std::vector<LogSegments::Sealed> sealed = segments_->DurableSealed();
  if (sealed.empty()) return absl::OkStatus();
  ++runs_;
  const int64_t high_watermark = segments_->offsets().high_watermark;

  // The newest offset of every key over the durable log (the active segment
  // included: a newer value there supersedes older ones in sealed segments;
  // records not yet durable are not counted, as a crash could take them).
  KeyOffsetMap newest;
  ScanStats scan;
  for (const LogSegments::Sealed& segment : segments_->All()) {
    RETURN_IF_ERROR(ForEachRecord(segment.segment, segment.segment->size(), segment.next_base,
                                  high_watermark, &scan,
                                  [&](const SegmentReader::Batch&, const RecordView& r) {
                                    if (r.key.empty()) return;
                                    auto it = newest.find(r.key);
                                    if (it == newest.end()) {
                                      newest.emplace(std::string(r.key), r.offset);
                                    } else {
                                      it->second = r.offset;
                                    }
                                  }));
  }
  if (scan.damaged_batches + scan.skipped_tails > 0) {
    logging::LogError("storage",
                      "compaction stepped over damaged batches and unreadable segment tails; "
                      "their keys are not considered",
                      {{"dir", options_->dir},
                       {"damaged_batches", scan.damaged_batches},
                       {"unreadable_tails", scan.skipped_tails}});
  }
  const int64_t now = options_->clock->NowMs();
  for (const LogSegments::Sealed& segment : sealed) {
    bool crashed = false;
    RETURN_IF_ERROR(CompactSegment(segment, newest, now, &crashed));
    if (crashed) break;  // simulated crash: stop here
  }
  return absl::OkStatus();
}

absl::Status LogCompactor::CompactSegment(const LogSegments::Sealed& sealed,
                                          const KeyOffsetMap& newest, int64_t now_ms,
                                          bool* crashed) {
  const std::shared_ptr<Segment>& segment = sealed.segment;
  const int64_t base = segment->base_offset();
  ASSIGN_OR_RETURN(const int64_t first_seen, FirstSeen(base, now_ms));
  const bool tombstones_expired = now_ms >= first_seen + options_->config.delete_retention_ms;
  auto keep = [&](const RecordView& r) {
    if (r.key.empty()) return true;  // no key: nothing supersedes it
    auto it = newest.find(r.key);
    if (it != newest.end() && it->second != r.offset) return false;  // superseded
    // The newest record of its key: a tombstone goes once its grace is over.
    return !(r.value.empty() && tombstones_expired);
  };
  const int64_t limit = segment->size();
  bool anything_to_drop = false;
  ScanStats scan;
  RETURN_IF_ERROR(ForEachRecord(segment, limit, sealed.next_base,
                                std::numeric_limits<int64_t>::max(), &scan,
                                [&](const SegmentReader::Batch&, const RecordView& r) {
                                  if (!anything_to_drop && !keep(r)) anything_to_drop = true;
                                }));
  if (!anything_to_drop || scan.skipped_tails > 0) return absl::OkStatus();

  // Write the kept records to "<base>.log.cleaned", batch by batch, keeping
  // every batch's base offset and offset span (so offsets never change).
  fs::FileSystem& fs = *options_->fs;
  const std::string& dir = options_->dir;
  const std::string cleaned_path = layout::CleanedPath(dir, base);
  const std::string swap_path = layout::SwapPath(dir, base);
  ASSIGN_OR_RETURN(std::shared_ptr<Segment> out,
                   Segment::Open(fs, cleaned_path, base, fs::OpenMode::kCreate));
  ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> first, offset_index_->Ceiling(base));
  int64_t max_before = first.has_value() && first->segment_base_offset == base
                           ? first->max_timestamp_before
                           : std::numeric_limits<int64_t>::min();
  IndexCadence cadence(options_->index_interval_bytes);
  std::vector<OffsetIndexEntry> entries;
  int64_t position = 0;
  std::string records;
  int64_t damaged = 0;
  SegmentReader reader(segment, 0, limit, kScanChunk, kScanChunk, /*keep_chunks=*/false);
  reader.set_offset_limit(sealed.next_base);
  RecordView view;
  auto write = [&](absl::string_view bytes) {
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    return out->WriteAt(position, &iov, 1);
  };
  // A batch like `h` (same magic, base offset and offset span) holding
  // `records` uncompressed, sealed.
  auto rebuild = [](format::BatchHeader h, int32_t count, int64_t max_ts,
                    absl::string_view records) {
    h.record_count = count;
    h.max_timestamp_ms = max_ts;
    h.attributes = static_cast<int16_t>(h.attributes & ~format::kCompressionMask);
    h.batch_length = static_cast<uint32_t>(h.header_size() + records.size());
    std::string bytes(h.header_size(), '\0');
    format::EncodeBatchHeader(h, bytes.data());
    bytes.append(records.data(), records.size());
    format::SealBatch(bytes.data(), bytes.size());
    return bytes;
  };
  // Where the batches written so far end, and the last batch read: a
  // segment's batches must still end where the next segment begins, or
  // recovery could not tell a compacted tail from a lost one.
  int64_t written_end = base;
  std::optional<format::BatchHeader> last_read;
  while (true) {
    SegmentReader::Batch batch;
    absl::StatusOr<bool> more = reader.Next(&batch);
    if (!more.ok()) {
      // Damage: copied as it is, so reads keep reporting it.
      const int64_t at = reader.position();
      const format::BatchHeader h = reader.damaged_header();
      if (reader.damage() == SegmentReader::Damage::kNone || !reader.SkipDamaged()) {
        return more.status();  // (a damaged tail was ruled out above)
      }
      std::string bytes(h.batch_length, '\0');
      RETURN_IF_ERROR(segment->ReadAt(at, bytes.size(), bytes.data()));
      RETURN_IF_ERROR(write(bytes));
      cadence.Add(false, h.batch_length);
      position += h.batch_length;
      ++damaged;
      last_read.reset();
      continue;
    }
    if (!*more) break;
    const format::BatchHeader& h = batch.header;
    last_read = h;
    records.clear();
    int32_t kept = 0;
    int64_t kept_max_ts = std::numeric_limits<int64_t>::min();
    BatchRecordIterator it(h, batch.bytes);
    bool malformed = false;
    while (true) {
      absl::StatusOr<bool> next = it.Next(&view);
      if (!next.ok()) {
        malformed = true;
        break;
      }
      if (!*next) break;
      if (!keep(view)) continue;
      records.append(it.record_bytes().data(), it.record_bytes().size());
      ++kept;
      kept_max_ts = std::max(kept_max_ts, view.timestamp_ms);
    }
    if (malformed) {
      // A good checksum over a malformed record: keep the batch as it is.
      RETURN_IF_ERROR(write(batch.bytes));
      cadence.Add(false, h.batch_length);
      position += h.batch_length;
      ++damaged;
      max_before = std::max(max_before, h.max_timestamp_ms);
      written_end = h.next_offset();
      continue;
    }
    if (kept > 0) {
      // The kept records' encoding is relative to the batch's base offset
      // and first timestamp, both kept (decompressed if the batch was
      // compressed: the rewrite is not).
      const std::string rewritten = rebuild(h, kept, kept_max_ts, records);
      const bool index = cadence.ShouldIndex(position);
      if (index) entries.push_back(OffsetIndexEntry{h.base_offset, base, position, max_before});
      cadence.Add(index, static_cast<int64_t>(rewritten.size()));
      RETURN_IF_ERROR(write(rewritten));
      position += static_cast<int64_t>(rewritten.size());
      written_end = h.next_offset();
    }
    max_before = std::max(max_before, h.max_timestamp_ms);
  }
  if (last_read.has_value() && written_end < last_read->next_offset()) {
    // Every record of the last batch went: it stays as an empty batch
    // (record_count 0, its offset span kept).
    const std::string empty = rebuild(*last_read, 0, last_read->max_timestamp_ms, "");
    RETURN_IF_ERROR(write(empty));
    position += static_cast<int64_t>(empty.size());
  }
  RETURN_IF_ERROR(CheckSync(out->Sync(), "fdatasync of " + cleaned_path));
  out.reset();
  if (damaged > 0) {
    damaged_batches_ += damaged;
    logging::LogError("storage", "compaction kept damaged batches as they are",
                      {{"segment", segment->path()}, {"damaged_batches", damaged}});
  }
  if (crash_point_.load() == CrashPoint::kCleanedWritten) {
    *crashed = true;
    return absl::OkStatus();
  }

  // Commit point: the output is complete and durable under its .swap name.
  RETURN_IF_ERROR(fs.Rename(cleaned_path, swap_path));
  RETURN_IF_ERROR(CheckSync(fs.SyncDir(dir), "fsync of directory " + dir));
  if (crash_point_.load() == CrashPoint::kSwapCommitted) {
    *crashed = true;
    return absl::OkStatus();
  }

  // Index entries for the new file. Not synced: recovery re-indexes a
  // segment it finds as .swap, and readers ignore entries that do not point
  // at their batch.
  leveldb::WriteBatch update;
  RETURN_IF_ERROR(offset_index_->DeleteRange(base, sealed.next_base, &update));
  for (const OffsetIndexEntry& e : entries) offset_index_->Put(e, &update);
  RETURN_IF_ERROR(leveldb_util::Write(options_->db, &update, /*sync=*/false,
                                      "cannot update index for compaction"));
  if (crash_point_.load() == CrashPoint::kIndexUpdated) {
    *crashed = true;
    return absl::OkStatus();
  }

  // The file is opened before the rename, so the new segment is ready the
  // moment it replaces the old one on disk; in memory it replaces it under
  // the segments' lock, as a pointer swap.
  ASSIGN_OR_RETURN(std::unique_ptr<fs::File> file, fs.Open(swap_path, fs::OpenMode::kExisting));
  ASSIGN_OR_RETURN(std::shared_ptr<Segment> compacted,
                   Segment::FromFile(std::move(file), layout::SegmentPath(dir, base), base));
  RETURN_IF_ERROR(fs.Rename(swap_path, layout::SegmentPath(dir, base)));
  const int64_t reclaimed = segment->size() - compacted->size();
  if (!segments_->Replace(std::move(compacted)).ok()) return segments_->CheckOpen();
  reader_->ClearHints();
  if (crash_point_.load() == CrashPoint::kSwapped) {
    *crashed = true;
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(CheckSync(fs.SyncDir(dir), "fsync of directory " + dir));
  ++segments_rewritten_;
  bytes_reclaimed_ += reclaimed;
  return absl::OkStatus();
}

}  // namespace eventlog::storage

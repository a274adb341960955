// Retention and compaction of DiskPartitionLog (see disk_partition_log.h).

#include <cerrno>
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/util/coding.h"
#include "storage/disk_partition_log.h"
#include "storage/file_util.h"
#include "storage/leveldb_util.h"
#include "storage/partition_recovery.h"
#include "storage/record_batch_format.h"
#include "storage/segment_reader.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {
namespace {

constexpr size_t kScanChunk = 1 << 20;

std::string SegmentPath(const std::string& dir, int64_t base) {
  return absl::StrCat(dir, "/", file_util::SegmentFileName(base));
}

// Calls fn(header, record, record_bytes) for every record of `segment` up to
// `limit` (bytes), whose offsets end below `offset_limit`. DATA_LOSS if a
// batch is damaged: cleanup never drops what it cannot read.
template <typename Fn>
absl::Status ForEachRecord(const std::shared_ptr<Segment>& segment, int64_t limit,
                           int64_t offset_limit, Fn fn) {
  SegmentReader reader(segment, 0, limit, kScanChunk, kScanChunk, /*keep_chunks=*/false);
  reader.set_offset_limit(offset_limit);
  RecordView view;
  while (true) {
    SegmentReader::Batch batch;
    ASSIGN_OR_RETURN(bool more, reader.Next(&batch));
    if (!more) return absl::OkStatus();
    const char* p = batch.bytes.data() + format::kBatchHeaderSize;
    const char* const end = batch.bytes.data() + batch.bytes.size();
    for (int32_t i = 0; i < batch.header.record_count; ++i) {
      const char* start = p;
      if (!format::DecodeRecord(batch.header, &p, end, &view)) {
        return absl::DataLossError(
            absl::StrCat("malformed record in ", segment->path(), " at position ", batch.position));
      }
      fn(batch, view, absl::string_view(start, p - start));
    }
  }
}

}  // namespace

// ---- Retention ------------------------------------------------------------

absl::StatusOr<int64_t> DiskPartitionLog::MaxTimestampThrough(const Segment& segment,
                                                              int64_t next_base) const {
  // The entry of the next segment's first batch holds the running maximum
  // before it, i.e. through the end of `segment`.
  ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> entry, offset_index_.Ceiling(next_base));
  if (entry.has_value()) return entry->max_timestamp_before;
  (void)segment;
  return max_timestamp_.load();
}

absl::Status DiskPartitionLog::EnforceRetention() {
  absl::MutexLock c(&cleanup_mu_);
  const LogConfig& config = options_.config;
  std::vector<std::shared_ptr<Segment>> sealed;
  std::vector<int64_t> next_bases;
  int64_t size;
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(StateErrorLocked());
    if (config.cleanup_policy != CleanupPolicy::kDelete) return absl::OkStatus();
    for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
      sealed.push_back(it->second);
      next_bases.push_back(std::next(it)->first);
    }
    size = size_bytes_;
  }
  const int64_t now = options_.clock->NowMs();
  size_t doomed = 0;
  for (; doomed < sealed.size(); ++doomed) {
    const Segment& segment = *sealed[doomed];
    // By size as Kafka does it: drop the oldest segment while what is left
    // still holds retention_bytes.
    bool expired = config.retention_bytes != LogConfig::kUnlimited &&
                   size - segment.size() >= config.retention_bytes;
    if (!expired && config.retention_ms != LogConfig::kUnlimited) {
      ASSIGN_OR_RETURN(int64_t max_ts, MaxTimestampThrough(segment, next_bases[doomed]));
      expired = max_ts < now - config.retention_ms;
    }
    if (!expired) break;
    size -= segment.size();
  }
  if (doomed == 0) return absl::OkStatus();

  // Persist the new start first, so that a crash below never brings back
  // offsets and recovery finishes the deletion.
  const int64_t new_start = next_bases[doomed - 1];
  char value[8];
  util::coding::PutFixed64(value, static_cast<uint64_t>(new_start));
  leveldb::WriteOptions sync;
  sync.sync = true;
  RETURN_IF_ERROR(leveldb_util::ToStatus(
      options_.db->Put(sync, PartitionRecovery::LogStartKey(options_.topic_id, options_.partition),
                       leveldb::Slice(value, sizeof(value))),
      "cannot persist log start offset"));
  {
    absl::MutexLock l(&mu_);
    for (size_t i = 0; i < doomed; ++i) {
      segments_.erase(sealed[i]->base_offset());
      size_bytes_ -= sealed[i]->size();
    }
    log_start_offset_ = std::max(log_start_offset_, new_start);
  }
  for (size_t i = 0; i < doomed; ++i) {
    const std::string path = SegmentPath(options_.dir, sealed[i]->base_offset());
    if (std::remove(path.c_str()) != 0 && errno != ENOENT) {
      return file_util::ErrnoStatus(errno, absl::StrCat("cannot remove ", path));
    }
  }
  RETURN_IF_ERROR(file_util::SyncDir(options_.dir));
  leveldb::WriteBatch drop;
  RETURN_IF_ERROR(offset_index_.DeleteRange(0, new_start, &drop));
  RETURN_IF_ERROR(time_index_.DeleteBelow(new_start, &drop));
  return leveldb_util::Write(options_.db, &drop, /*sync=*/false, "cannot update index");
}

// ---- Compaction -----------------------------------------------------------

absl::Status DiskPartitionLog::Compact() {
  absl::MutexLock c(&cleanup_mu_);
  std::vector<std::pair<std::shared_ptr<Segment>, int64_t>> segments;  // (segment, limit)
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(StateErrorLocked());
    if (options_.config.cleanup_policy != CleanupPolicy::kCompact) return absl::OkStatus();
    for (const auto& [base, segment] : segments_) segments.emplace_back(segment, segment->size());
  }
  if (segments.size() < 2) return absl::OkStatus();  // only the active segment

  // The newest offset of every key, over the whole log (the active segment
  // included: a newer value there supersedes older ones in sealed segments).
  KeyOffsetMap newest;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& [segment, limit] = segments[i];
    const int64_t offset_limit = i + 1 < segments.size() ? segments[i + 1].first->base_offset()
                                                         : std::numeric_limits<int64_t>::max();
    RETURN_IF_ERROR(
        ForEachRecord(segment, limit, offset_limit,
                      [&](const SegmentReader::Batch&, const RecordView& r, absl::string_view) {
                        if (r.key.empty()) return;
                        auto it = newest.find(r.key);
                        if (it == newest.end()) {
                          newest.emplace(std::string(r.key), r.offset);
                        } else {
                          it->second = r.offset;
                        }
                      }));
  }
  const int64_t now = options_.clock->NowMs();
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    RETURN_IF_ERROR(
        CompactSegment(segments[i].first, segments[i + 1].first->base_offset(), newest, now));
    if (compaction_crash_point_.load() != 0) break;  // simulated crash: stop here
  }
  return absl::OkStatus();
}

absl::Status DiskPartitionLog::CompactSegment(const std::shared_ptr<Segment>& segment,
                                              int64_t next_base, const KeyOffsetMap& newest,
                                              int64_t now_ms) {
  const int64_t tombstone_deadline = now_ms - options_.config.delete_retention_ms;
  auto keep = [&](const RecordView& r) {
    if (r.key.empty()) return true;  // no key: nothing supersedes it
    auto it = newest.find(r.key);
    if (it != newest.end() && it->second != r.offset) return false;  // superseded
    // The newest record of its key: a tombstone goes once its grace is over.
    return !(r.value.empty() && r.timestamp_ms <= tombstone_deadline);
  };
  const int64_t limit = segment->size();
  bool anything_to_drop = false;
  RETURN_IF_ERROR(
      ForEachRecord(segment, limit, next_base,
                    [&](const SegmentReader::Batch&, const RecordView& r, absl::string_view) {
                      if (!anything_to_drop && !keep(r)) anything_to_drop = true;
                    }));
  if (!anything_to_drop) return absl::OkStatus();

  // Write the kept records to "<base>.log.cleaned", batch by batch, keeping
  // every batch's base offset and offset span (so offsets never change).
  const int64_t base = segment->base_offset();
  const std::string final_path = SegmentPath(options_.dir, base);
  const std::string temp_path = absl::StrCat(
      options_.dir, "/", file_util::SegmentFileName(base).substr(0, 20), file_util::kCleanedSuffix);
  ASSIGN_OR_RETURN(std::shared_ptr<Segment> temp, Segment::Open(temp_path, base, /*create=*/true));
  ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> first, offset_index_.Ceiling(base));
  int64_t max_before = first.has_value() && first->segment_base_offset == base
                           ? first->max_timestamp_before
                           : std::numeric_limits<int64_t>::min();
  IndexCadence cadence(options_.index_interval_bytes);
  std::vector<OffsetIndexEntry> entries;
  int64_t position = 0;
  std::string records;
  SegmentReader reader(segment, 0, limit, kScanChunk, kScanChunk, /*keep_chunks=*/false);
  reader.set_offset_limit(next_base);
  RecordView view;
  while (true) {
    SegmentReader::Batch batch;
    ASSIGN_OR_RETURN(bool more, reader.Next(&batch));
    if (!more) break;
    const format::BatchHeader& h = batch.header;
    const char* p = batch.bytes.data() + format::kBatchHeaderSize;
    const char* const end = batch.bytes.data() + batch.bytes.size();
    records.clear();
    int32_t kept = 0;
    int64_t kept_max_ts = std::numeric_limits<int64_t>::min();
    for (int32_t i = 0; i < h.record_count; ++i) {
      const char* start = p;
      if (!format::DecodeRecord(h, &p, end, &view)) {
        return absl::DataLossError(
            absl::StrCat("malformed record in ", segment->path(), " at position ", batch.position));
      }
      if (!keep(view)) continue;
      // The record's encoding is relative to the batch's base offset and
      // first timestamp, both kept: copy it as is.
      records.append(start, p - start);
      ++kept;
      kept_max_ts = std::max(kept_max_ts, view.timestamp_ms);
    }
    if (kept > 0) {
      format::BatchHeader out = h;
      out.record_count = kept;
      out.max_timestamp_ms = kept_max_ts;
      out.batch_length = static_cast<uint32_t>(format::kBatchHeaderSize + records.size());
      char header[format::kBatchHeaderSize];
      format::EncodeBatchHeader(out, header);
      util::coding::PutFixed32(header + format::kCrcPos,
                         format::FinishCrc(format::BodyCrc(header, records), header));
      const bool index = cadence.ShouldIndex(position);
      if (index) entries.push_back(OffsetIndexEntry{h.base_offset, base, position, max_before});
      cadence.Add(index, out.batch_length);
      iovec iov[2] = {{header, sizeof(header)}, {records.data(), records.size()}};
      RETURN_IF_ERROR(temp->WriteAt(position, iov, 2));
      position += out.batch_length;
    }
    max_before = std::max(max_before, h.max_timestamp_ms);
  }
  RETURN_IF_ERROR(temp->Sync());
  temp.reset();
  if (compaction_crash_point_.load() == 1) return absl::OkStatus();

  // Commit: index update and marker (durable), then the atomic rename. A
  // crash in between is rolled forward by recovery (the cleaned file is
  // complete and fsynced).
  leveldb::WriteBatch update;
  RETURN_IF_ERROR(offset_index_.DeleteRange(base, next_base, &update));
  for (const OffsetIndexEntry& e : entries) offset_index_.Put(e, &update);
  const std::string marker =
      PartitionRecovery::CompactionMarkerKey(options_.topic_id, options_.partition, base);
  update.Put(marker, leveldb::Slice());
  {
    absl::MutexLock l(&mu_);
    if (absl::Status s = StateErrorLocked(); !s.ok()) {
      std::remove(temp_path.c_str());
      return s;
    }
    RETURN_IF_ERROR(leveldb_util::Write(options_.db, &update, /*sync=*/true,
                                        "cannot update index for compaction"));
    if (compaction_crash_point_.load() == 2) return absl::OkStatus();
    if (std::rename(temp_path.c_str(), final_path.c_str()) != 0) {
      return file_util::ErrnoStatus(errno, absl::StrCat("cannot rename ", temp_path));
    }
    ASSIGN_OR_RETURN(std::shared_ptr<Segment> cleaned,
                     Segment::Open(final_path, base, /*create=*/false));
    size_bytes_ += cleaned->size() - segment->size();
    segments_[base] = std::move(cleaned);
    ClearHints();
  }
  RETURN_IF_ERROR(file_util::SyncDir(options_.dir));
  return leveldb_util::ToStatus(options_.db->Delete(leveldb::WriteOptions(), marker),
                                "cannot remove compaction marker");
}

}  // namespace eventlog::storage

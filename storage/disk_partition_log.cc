#include "storage/disk_partition_log.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "leveldb/write_batch.h"
#include "storage/util/coding.h"
#include "storage/file_util.h"
#include "storage/leveldb_util.h"
#include "storage/partition_recovery.h"
#include "storage/record_batch_format.h"
#include "storage/segment_reader.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {
namespace {

constexpr size_t kMinReadChunk = 16 << 10;
constexpr size_t kMaxReadChunk = 8 << 20;
constexpr size_t kScanChunk = 256 << 10;

std::string SegmentPath(const std::string& dir, int64_t base) {
  return absl::StrCat(dir, "/", file_util::SegmentFileName(base));
}

}  // namespace

absl::StatusOr<std::shared_ptr<DiskPartitionLog>> DiskPartitionLog::Open(
    PartitionLogOptions options) {
  PartitionRecovery recovery(options.dir, options.db, options.topic_id, options.partition,
                             options.index_interval_bytes);
  ASSIGN_OR_RETURN(RecoveredPartition recovered, recovery.Run());
  // Not make_shared: the constructor is private.
  std::shared_ptr<DiskPartitionLog> log(new DiskPartitionLog(std::move(options)));
  const std::shared_ptr<Segment>& active = recovered.segments.rbegin()->second;
  log->recovery_bytes_scanned_ = recovered.bytes_scanned;
  {
    absl::MutexLock a(&log->append_mu_);
    log->appender_ = std::make_unique<SegmentAppender>(active, active->size());
    log->cadence_.Add(/*indexed=*/true, recovered.bytes_since_index);
    log->next_offset_ = recovered.log_end_offset;
    log->active_created_ms_ = recovered.active_first_timestamp;
    log->max_timestamp_ = recovered.max_timestamp;
    absl::MutexLock l(&log->mu_);
    log->segments_ = recovered.segments;
    log->log_start_offset_ = recovered.log_start_offset;
    log->log_end_offset_ = recovered.log_end_offset;
    log->high_watermark_ = recovered.log_end_offset;
    for (const auto& [base, segment] : log->segments_) log->size_bytes_ += segment->size();
  }
  {
    absl::MutexLock s(&log->sync_mu_);
    log->sync_active_ = active;
  }
  return log;
}

DiskPartitionLog::DiskPartitionLog(PartitionLogOptions options)
    : options_(std::move(options)),
      offset_index_(options_.db, options_.topic_id, options_.partition),
      time_index_(options_.db, options_.topic_id, options_.partition),
      cadence_(options_.index_interval_bytes) {}

// ---- State ----------------------------------------------------------------

absl::Status DiskPartitionLog::StateErrorLocked() const {
  switch (state_.load()) {
    case State::kOpen:
      return absl::OkStatus();
    case State::kDeleted:
      return absl::NotFoundError(absl::StrCat("partition ", options_.partition,
                                              " no longer exists: its topic was deleted"));
    case State::kClosed:
      break;
  }
  return absl::UnavailableError("the storage engine is shutting down");
}

absl::Status DiskPartitionLog::OutOfRangeLocked(int64_t offset) const {
  // [start, high watermark) are the stored records; reading at the high
  // watermark itself is allowed (it waits for the next record).
  return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is out of range [",
                                            log_start_offset_, ", ", high_watermark_,
                                            ") for partition ", options_.partition));
}

int64_t DiskPartitionLog::log_start_offset() const {
  absl::ReaderMutexLock l(&mu_);
  return log_start_offset_;
}

int64_t DiskPartitionLog::high_watermark() const {
  absl::ReaderMutexLock l(&mu_);
  return high_watermark_;
}

int64_t DiskPartitionLog::size_bytes() const {
  absl::ReaderMutexLock l(&mu_);
  return size_bytes_;
}

std::vector<int64_t> DiskPartitionLog::TEST_SegmentBases() const {
  absl::ReaderMutexLock l(&mu_);
  std::vector<int64_t> bases;
  for (const auto& [base, segment] : segments_) bases.push_back(base);
  return bases;
}

void DiskPartitionLog::MarkDeleted() { MarkGone(State::kDeleted); }
void DiskPartitionLog::MarkClosed() { MarkGone(State::kClosed); }

void DiskPartitionLog::MarkGone(State state) {
  std::vector<WaiterList::Callback> wake;
  {
    absl::MutexLock c(&cleanup_mu_);
    absl::MutexLock a(&append_mu_);
    absl::MutexLock l(&mu_);
    if (state_.load() != State::kOpen) return;
    state_.store(state);
    wake = waiters_.TakeAll();
  }
  for (auto& callback : wake) callback();
}

// ---- Waiting --------------------------------------------------------------

PartitionLog::WaiterId DiskPartitionLog::WaitForData(int64_t offset,
                                                     absl::AnyInvocable<void()> callback) {
  absl::MutexLock l(&mu_);
  if (state_.load() != State::kOpen || high_watermark_ > offset) return 0;
  return waiters_.Add(offset, std::move(callback));
}

bool DiskPartitionLog::CancelWait(WaiterId id) {
  absl::MutexLock l(&mu_);
  return waiters_.Remove(id);
}

// ---- Append ---------------------------------------------------------------

void DiskPartitionLog::AppendAsync(RecordBatchBuilder batch, Durability durability,
                                   AppendCallback done) {
  if (batch.empty()) {
    done(absl::InvalidArgumentError("cannot append an empty batch"));
    return;
  }
  if (batch.max_record_bytes() > static_cast<size_t>(options_.config.max_message_bytes)) {
    done(absl::ResourceExhaustedError(absl::StrCat(
        "a record of ", batch.max_record_bytes(),
        " bytes exceeds the topic's max_message_bytes of ", options_.config.max_message_bytes)));
    return;
  }
  const auto total = static_cast<int64_t>(format::kBatchHeaderSize + batch.size_bytes());
  if (total > format::kMaxBatchBytes) {
    done(absl::ResourceExhaustedError(absl::StrCat(
        "a batch of ", total, " bytes exceeds the limit of ", format::kMaxBatchBytes)));
    return;
  }
  // Everything but the offset is known now: checksum the records before
  // taking the lock.
  format::BatchHeader h;
  h.batch_length = static_cast<uint32_t>(total);
  h.last_offset_delta = batch.record_count() - 1;
  h.record_count = batch.record_count();
  h.first_timestamp_ms = batch.first_timestamp_ms();
  h.max_timestamp_ms = batch.max_timestamp_ms();
  char header[format::kBatchHeaderSize];
  format::EncodeBatchHeader(h, header);
  const uint32_t body_crc = format::BodyCrc(header, batch.encoded_records());

  AppendResult result;
  std::vector<WaiterList::Callback> wake;
  absl::Status status;
  const bool sync = durability == Durability::kAll;
  if (sync) options_.committer->BeginAppend();
  {
    absl::MutexLock lock(&append_mu_);
    status = AppendLocked(batch, header, body_crc, &result, &wake);
    // Queued under the lock so that completions keep offset order.
    if (sync) {
      if (status.ok()) {
        options_.committer->Submit(shared_from_this(), result, std::move(done));
      } else {
        options_.committer->AbandonAppend();
      }
    }
  }
  for (auto& callback : wake) callback();
  if (!status.ok()) {
    done(status);
  } else if (durability == Durability::kLeader) {
    done(result);
  }
}

absl::StatusOr<AppendResult> DiskPartitionLog::Append(RecordBatchBuilder batch,
                                                      Durability durability) {
  absl::Notification finished;
  absl::StatusOr<AppendResult> out;
  AppendAsync(std::move(batch), durability, [&](absl::StatusOr<AppendResult> r) {
    out = std::move(r);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

absl::Status DiskPartitionLog::AppendLocked(const RecordBatchBuilder& batch, char* header,
                                            uint32_t body_crc, AppendResult* result,
                                            std::vector<WaiterList::Callback>* wake) {
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(StateErrorLocked());
  }
  const int64_t total = format::kBatchHeaderSize + static_cast<int64_t>(batch.size_bytes());
  if (options_.space_guard != nullptr) RETURN_IF_ERROR(options_.space_guard->Admit(total));
  const int64_t now = options_.clock->NowMs();
  if (appender_->position() > 0 &&
      (appender_->position() + total > options_.config.segment_bytes ||
       (active_created_ms_ >= 0 && now - active_created_ms_ >= options_.config.segment_ms))) {
    RETURN_IF_ERROR(RollLocked());
  }

  const int64_t base = next_offset_;
  util::coding::PutFixed64(header, static_cast<uint64_t>(base));
  util::coding::PutFixed32(header + format::kCrcPos, format::FinishCrc(body_crc, header));
  const int64_t position = appender_->position();
  RETURN_IF_ERROR(appender_->Append(header, batch.encoded_records()));
  if (active_created_ms_ < 0) active_created_ms_ = now;

  const int64_t max_before = max_timestamp_.load();
  const bool index = cadence_.ShouldIndex(position);
  if (index) {
    leveldb::WriteBatch entries;
    offset_index_.Put(
        OffsetIndexEntry{base, appender_->segment()->base_offset(), position, max_before},
        &entries);
    time_index_.Put(TimeIndexEntry{max_before, base}, &entries);
    // Derived data: if this fails, reads scan from an earlier entry and the
    // next recovery re-creates it.
    (void)leveldb_util::Write(options_.db, &entries, /*sync=*/false, "index");
  }
  cadence_.Add(index, total);
  max_timestamp_.store(std::max(max_before, batch.max_timestamp_ms()));
  next_offset_ = base + batch.record_count();
  written_seq_.fetch_add(1);

  absl::MutexLock l(&mu_);
  appender_->segment()->set_size(appender_->position());
  log_end_offset_ = next_offset_;
  high_watermark_ = log_end_offset_;  // single node: everything written is committed
  size_bytes_ += total;
  *wake = waiters_.TakeReady(high_watermark_);
  result->base_offset = base;
  result->last_offset = next_offset_ - 1;
  return absl::OkStatus();
}

absl::Status DiskPartitionLog::RollLocked() {
  const int64_t base = next_offset_;
  ASSIGN_OR_RETURN(std::shared_ptr<Segment> segment,
                   Segment::Open(SegmentPath(options_.dir, base), base, /*create=*/true));
  RETURN_IF_ERROR(file_util::SyncDir(options_.dir));
  {
    absl::MutexLock s(&sync_mu_);
    unsynced_sealed_.push_back(appender_->segment());
    sync_active_ = segment;
  }
  {
    absl::MutexLock l(&mu_);
    segments_[base] = segment;
  }
  appender_ = std::make_unique<SegmentAppender>(std::move(segment), 0);
  active_created_ms_ = -1;
  return absl::OkStatus();
}

// ---- Durability -----------------------------------------------------------

absl::Status DiskPartitionLog::SyncWritten() {
  absl::MutexLock f(&flush_mu_);
  const uint64_t target = written_seq_.load();
  std::vector<std::shared_ptr<Segment>> sealed;
  std::shared_ptr<Segment> active;
  {
    absl::MutexLock s(&sync_mu_);
    if (synced_seq_ >= target) return absl::OkStatus();
    sealed.swap(unsynced_sealed_);
    active = sync_active_;
  }
  for (size_t i = 0; i < sealed.size(); ++i) {
    absl::Status status = sealed[i]->Sync();
    if (!status.ok()) {
      absl::MutexLock s(&sync_mu_);
      unsynced_sealed_.insert(unsynced_sealed_.begin(), sealed.begin() + i, sealed.end());
      return status;
    }
  }
  const int64_t active_synced = active->size();  // all of it is durable after the sync
  RETURN_IF_ERROR(active->Sync());
  DropColdPages(sealed, *active, active_synced);
  absl::MutexLock s(&sync_mu_);
  synced_seq_ = std::max(synced_seq_, target);
  return absl::OkStatus();
}

void DiskPartitionLog::DropColdPages(const std::vector<std::shared_ptr<Segment>>& sealed,
                                     Segment& active, int64_t active_synced) {
  int64_t keep = options_.page_cache_window_bytes;
  if (keep < 0) return;
  active.DropCachedBytes(active_synced - keep);
  keep -= active_synced;
  for (auto it = sealed.rbegin(); it != sealed.rend(); ++it) {  // newest first
    (*it)->DropCachedBytes((*it)->size() - std::max<int64_t>(keep, 0));
    keep -= (*it)->size();
  }
}

absl::Status DiskPartitionLog::Flush() {
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(StateErrorLocked());
  }
  return SyncWritten();
}

// ---- Read -----------------------------------------------------------------

void DiskPartitionLog::RememberHint(int64_t offset, const std::shared_ptr<Segment>& segment,
                                    int64_t position) const {
  absl::MutexLock h(&hint_mu_);
  hints_[next_hint_] = ReadHint{offset, segment, position};
  next_hint_ = (next_hint_ + 1) % kReadHints;
}

void DiskPartitionLog::ClearHints() const {
  absl::MutexLock h(&hint_mu_);
  for (ReadHint& hint : hints_) hint = ReadHint{};
}

absl::StatusOr<DiskPartitionLog::Location> DiskPartitionLog::LocateLocked(int64_t offset) const {
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  Location loc{it->second, 0, it->second->size(), NextBaseLocked(it->first)};
  {
    absl::MutexLock h(&hint_mu_);
    for (const ReadHint& hint : hints_) {
      if (hint.offset == offset && hint.segment.lock() == it->second) {
        loc.position = hint.position;
        return loc;
      }
    }
  }
  ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> entry, offset_index_.Floor(offset));
  if (entry.has_value() && entry->segment_base_offset == it->first &&
      entry->position <= loc.limit) {
    loc.position = entry->position;
  }
  return loc;
}

int64_t DiskPartitionLog::NextBaseLocked(int64_t base) const {
  auto it = segments_.upper_bound(base);
  return it == segments_.end() ? std::numeric_limits<int64_t>::max() : it->first;
}

std::optional<DiskPartitionLog::Location> DiskPartitionLog::NextSegment(
    const std::shared_ptr<Segment>& segment, int64_t read_to, int64_t* high_watermark) const {
  absl::ReaderMutexLock l(&mu_);
  *high_watermark = high_watermark_;
  // Appends may have grown the segment since the reader took its size (and
  // then rolled): those batches come first, or the read would jump them.
  if (segment->size() > read_to) {
    return Location{segment, read_to, segment->size(), NextBaseLocked(segment->base_offset())};
  }
  auto it = segments_.upper_bound(segment->base_offset());
  if (it == segments_.end()) return std::nullopt;
  return Location{it->second, 0, it->second->size(), NextBaseLocked(it->first)};
}

absl::StatusOr<ReadResult> DiskPartitionLog::Read(int64_t offset, int32_t max_records,
                                                  int64_t max_bytes) const {
  ReadResult result;
  Location loc;
  size_t initial_chunk;
  size_t expected_records;
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(StateErrorLocked());
    if (offset < log_start_offset_ || offset > high_watermark_) return OutOfRangeLocked(offset);
    result.high_watermark = high_watermark_;
    result.log_start_offset = log_start_offset_;
    result.next_offset = offset;
    if (offset == high_watermark_) return result;
    ASSIGN_OR_RETURN(loc, LocateLocked(offset));
    // Guess the bytes needed from the average record size, so that a small
    // read does not pull in max_bytes from the file.
    const int64_t span = std::max<int64_t>(1, high_watermark_ - log_start_offset_);
    const int64_t average = std::clamp<int64_t>(size_bytes_ / span, 1, 1 << 20);
    int64_t want = max_bytes;
    if (max_records > 0) {
      want = std::min(want, (static_cast<int64_t>(max_records) + 1) * average * 5 / 4);
    }
    expected_records = static_cast<size_t>(std::min<int64_t>(want / average + 1, 1 << 16));
    initial_chunk = static_cast<size_t>(std::clamp<int64_t>(
        want + options_.index_interval_bytes + static_cast<int64_t>(format::kBatchHeaderSize),
        kMinReadChunk, kMaxReadChunk));
  }
  const size_t max_chunk = static_cast<size_t>(std::clamp<int64_t>(
      max_bytes, static_cast<int64_t>(initial_chunk), static_cast<int64_t>(kMaxReadChunk)));
  const size_t record_limit =
      max_records > 0 ? static_cast<size_t>(max_records) : std::numeric_limits<size_t>::max();

  result.records.reserve(std::min(record_limit, expected_records));
  auto chunks = std::make_shared<std::vector<std::shared_ptr<char[]>>>();
  int64_t bytes = 0;
  bool full = false;
  int64_t hint_position = -1;
  while (!full) {
    SegmentReader reader(loc.segment, loc.position, loc.limit, initial_chunk, max_chunk,
                         /*keep_chunks=*/true);
    reader.set_offset_limit(loc.offset_limit);
    int64_t skip_floor = -1;  // offsets the next batch must reach after a skip
    // After stepping over a batch whose offsets are unknown: the status to
    // return if the next batch starts past the target (which is then lost).
    absl::Status target_lost;
    bool damaged = false;
    while (!full) {
      SegmentReader::Batch batch;
      absl::StatusOr<bool> next = reader.Next(&batch);
      if (!next.ok()) {
        // Damage wholly before the target (between an index entry and the
        // offset asked for) must not hide the batches after it: step over
        // it, and check the next batch follows it. Offsets that fit where
        // the batch lies say where the damage ends; offsets that do not
        // (and a header that fails its checks) are not used: the damage
        // then ends where the next good batch starts.
        if (result.records.empty() && reader.damage() != SegmentReader::Damage::kNone) {
          if (reader.DamagedOffsetsFit()) {
            const int64_t damaged_end = reader.damaged_header().next_offset();
            if (damaged_end <= result.next_offset && skip_floor < damaged_end &&
                reader.SkipDamaged()) {
              skip_floor = damaged_end;
              continue;
            }
          } else if (reader.SkipDamaged()) {
            if (target_lost.ok()) target_lost = next.status();
            continue;
          }
        }
        if (result.records.empty()) return target_lost.ok() ? next.status() : target_lost;
        damaged = true;  // return what precedes it; the next read reports it
        break;
      }
      if (!*next) {
        if (!target_lost.ok()) return target_lost;
        break;
      }
      const format::BatchHeader& h = batch.header;
      if (h.base_offset < skip_floor) {
        return absl::DataLossError(absl::StrCat("batch at ", loc.segment->path(), " position ",
                                                batch.position,
                                                " does not follow the damaged batch before it"));
      }
      if (!target_lost.ok()) {
        if (h.base_offset > result.next_offset) return target_lost;
        target_lost = absl::OkStatus();
      }
      if (h.next_offset() <= result.next_offset) continue;  // wholly before the target
      const char* p = batch.bytes.data() + format::kBatchHeaderSize;
      const char* const end = batch.bytes.data() + batch.bytes.size();
      const size_t needed = result.records.size() +
                            std::min<size_t>(record_limit, static_cast<size_t>(h.record_count));
      if (needed > result.records.capacity()) {
        result.records.reserve(std::max(needed, 2 * result.records.capacity()));
      }
      bool consumed_batch = true;
      for (int32_t i = 0; i < h.record_count; ++i) {
        const char* record_start = p;
        RecordView& view = result.records.emplace_back();
        if (!format::DecodeRecord(h, &p, end, &view)) {
          result.records.pop_back();
          if (result.records.empty()) {
            return absl::DataLossError(absl::StrCat("malformed record in batch at ",
                                                    loc.segment->path(), " position ",
                                                    batch.position));
          }
          damaged = true;
          consumed_batch = false;
          break;
        }
        if (view.offset < result.next_offset) {
          result.records.pop_back();
          continue;
        }
        const int64_t size = p - record_start;
        if (result.records.size() > 1 && bytes + size > max_bytes) {
          result.records.pop_back();
          consumed_batch = false;
          full = true;
          break;
        }
        bytes += size;
        result.next_offset = view.offset + 1;
        if (result.records.size() >= record_limit) {
          full = true;
          consumed_batch = i + 1 == h.record_count;
          break;
        }
      }
      if (damaged) break;
      if (consumed_batch) {
        // Past offsets compaction removed at the batch's end, if any.
        result.next_offset = h.next_offset();
        hint_position = reader.position();
      } else {
        hint_position = batch.position;
      }
    }
    std::vector<std::shared_ptr<char[]>> kept = reader.TakeChunks();
    chunks->insert(chunks->end(), std::make_move_iterator(kept.begin()),
                   std::make_move_iterator(kept.end()));
    if (damaged || full) {
      if (hint_position >= 0) {
        RememberHint(result.next_offset, loc.segment, hint_position);
      }
      break;
    }
    // The segment is exhausted: go on with the next one (past any gap).
    int64_t high_watermark;
    std::optional<Location> next = NextSegment(loc.segment, loc.limit, &high_watermark);
    if (hint_position >= 0 && !next.has_value()) {
      RememberHint(result.next_offset, loc.segment, hint_position);
    }
    if (!next.has_value() || next->segment->base_offset() >= high_watermark) break;
    result.high_watermark = std::max(result.high_watermark, high_watermark);
    result.next_offset = std::max(result.next_offset, next->segment->base_offset());
    loc = std::move(*next);
    hint_position = -1;
  }
  result.next_offset = std::min(result.next_offset, result.high_watermark);
  result.backing = std::move(chunks);
  return result;
}

// ---- Time lookup ----------------------------------------------------------

absl::StatusOr<int64_t> DiskPartitionLog::OffsetForTimestamp(int64_t timestamp_ms) const {
  Location loc;
  int64_t from;
  int64_t high_watermark;
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(StateErrorLocked());
    high_watermark = high_watermark_;
    ASSIGN_OR_RETURN(std::optional<TimeIndexEntry> entry, time_index_.LastBefore(timestamp_ms));
    from = std::max(log_start_offset_, entry.has_value() ? entry->offset : log_start_offset_);
    if (from >= high_watermark) return high_watermark;
    ASSIGN_OR_RETURN(loc, LocateLocked(from));
  }
  while (true) {
    SegmentReader reader(loc.segment, loc.position, loc.limit, kScanChunk, kScanChunk,
                         /*keep_chunks=*/false);
    reader.set_offset_limit(loc.offset_limit);
    while (true) {
      SegmentReader::Batch batch;
      ASSIGN_OR_RETURN(bool more, reader.Next(&batch));
      if (!more) break;
      const format::BatchHeader& h = batch.header;
      if (h.next_offset() <= from || h.max_timestamp_ms < timestamp_ms) continue;
      const char* p = batch.bytes.data() + format::kBatchHeaderSize;
      const char* const end = batch.bytes.data() + batch.bytes.size();
      RecordView view;
      for (int32_t i = 0; i < h.record_count; ++i) {
        if (!format::DecodeRecord(h, &p, end, &view)) {
          return absl::DataLossError(absl::StrCat(
              "malformed record in batch at ", loc.segment->path(), " position ", batch.position));
        }
        if (view.offset >= from && view.timestamp_ms >= timestamp_ms) return view.offset;
      }
    }
    int64_t hw;
    std::optional<Location> next = NextSegment(loc.segment, loc.limit, &hw);
    if (!next.has_value() || next->segment->base_offset() >= high_watermark) break;
    loc = std::move(*next);
    if (loc.segment->base_offset() >= high_watermark) break;
  }
  return high_watermark;
}

}  // namespace eventlog::storage

// LogSegments: the segments of one partition, the offsets that bound what
// readers see, the readers parked on it, and whether it is still open.
//
//   log_start_offset <= high_watermark <= log_end_offset
//
// The log end offset is the next offset to assign (what is written); the
// high watermark is the durable end (fsynced; with replication, durable on
// every in-sync replica). Readers, commits and lag only ever see offsets
// below the high watermark, so nothing a reader saw can vanish in a crash.
//
// Shared by the partition log's append, sync, read and cleanup paths.
// Thread-safe: one lock, held briefly and never across I/O.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/log/segment.h"
#include "storage/log/waiter_list.h"

namespace eventlog::storage {

class LogSegments {
 public:
  using SegmentMap = std::map<int64_t, std::shared_ptr<Segment>>;

  enum class State { kOpen, kDeleted, kClosed };

  // Where a reader may read: a segment, its published size, and the base of
  // the next segment (its offsets end below it).
  struct Span {
    std::shared_ptr<Segment> segment;
    int64_t limit = 0;
    int64_t offset_limit = std::numeric_limits<int64_t>::max();
  };

  struct Offsets {
    int64_t log_start = 0;
    int64_t high_watermark = 0;
    int64_t log_end = 0;
    int64_t size_bytes = 0;
  };

  // A sealed segment wholly below the high watermark (durable), with the
  // base of the segment after it.
  struct Sealed {
    std::shared_ptr<Segment> segment;
    int64_t next_base = 0;
  };

  // `segments` is not empty; everything up to `end` is durable.
  LogSegments(int32_t partition, SegmentMap segments, int64_t log_start, int64_t end);

  LogSegments(const LogSegments&) = delete;
  LogSegments& operator=(const LogSegments&) = delete;

  // OK while open; NOT_FOUND once the topic is deleted, UNAVAILABLE once the
  // store is closing.
  absl::Status CheckOpen() const ABSL_LOCKS_EXCLUDED(mu_);
  bool open() const ABSL_LOCKS_EXCLUDED(mu_);

  Offsets offsets() const ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Reading ----
  // For a read at `offset`: OUT_OF_RANGE (naming both bounds) outside
  // [log_start, high_watermark]; otherwise the offsets and, below the high
  // watermark, the span holding `offset`.
  absl::Status Find(int64_t offset, Offsets* offsets, std::optional<Span>* span) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Find for a follower's read (the replication stream): bounded by the
  // log end instead of the high watermark, since followers copy what is
  // written, not yet durable. OUT_OF_RANGE outside [log_start, log_end].
  absl::Status FindWritten(int64_t offset, Offsets* offsets, std::optional<Span>* span) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Where a reader that read `segment` up to byte `read_to` goes on: the rest
  // of `segment` if appends grew it, else the next segment, or nullopt at the
  // end. Also returns the current high watermark.
  std::optional<Span> After(const Segment& segment, int64_t read_to, int64_t* high_watermark) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Appending (the append path) ----
  // A batch was written: the active segment now holds `segment_size` bytes
  // and the next offset is `log_end`. Does not move the high watermark.
  void Published(Segment& active, int64_t segment_size, int64_t log_end, int64_t added_bytes)
      ABSL_LOCKS_EXCLUDED(mu_);
  void AddSegment(std::shared_ptr<Segment> segment) ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Durability (the sync path) ----
  // Everything below `durable_end` is durable: moves the high watermark up
  // to it (never down) and returns the waiters to wake, for the caller to
  // run without locks.
  std::vector<WaiterList::Callback> AdvanceHighWatermark(int64_t durable_end)
      ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Waiting ----
  // Registers `callback` to run once the high watermark passes `offset` or
  // the log closes; 0 (callback not kept) if that is already so. Sets
  // *written_past to whether records past `offset` are written but not yet
  // durable (the caller then asks for a prompt sync).
  uint64_t WaitForData(int64_t offset, WaiterList::Callback callback, bool* written_past)
      ABSL_LOCKS_EXCLUDED(mu_);
  bool CancelWait(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  bool has_waiters() const ABSL_LOCKS_EXCLUDED(mu_);
  // The replication stream's wait (the leader for its followers): once the
  // log end passes `offset` (written, durable or not) or the log closes; 0
  // (callback not kept) if that is already so.
  uint64_t WaitForWritten(int64_t offset, WaiterList::Callback callback) ABSL_LOCKS_EXCLUDED(mu_);
  bool CancelWaitForWritten(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  // The written-waiters the log end has passed, for the appender to run
  // after it drops its lock.
  std::vector<WaiterList::Callback> TakeWritten() ABSL_LOCKS_EXCLUDED(mu_);

  // Moves to `state` (once) and returns every waiter to wake.
  std::vector<WaiterList::Callback> Close(State state) ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Cleanup ----
  // Sealed segments wholly below the high watermark, oldest first.
  std::vector<Sealed> DurableSealed() const ABSL_LOCKS_EXCLUDED(mu_);
  // Every segment, oldest first (the last one's next_base is the maximum).
  std::vector<Sealed> All() const ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the oldest segments below `new_start` (a segment base) and moves
  // the log start offset to it. FAILED_PRECONDITION if the log closed.
  absl::Status DropBelow(int64_t new_start) ABSL_LOCKS_EXCLUDED(mu_);
  // Puts `replacement` in place of the segment with its base offset (a
  // compacted copy). FAILED_PRECONDITION if the log closed.
  absl::Status Replace(std::shared_ptr<Segment> replacement) ABSL_LOCKS_EXCLUDED(mu_);

  // ---- Truncation (a follower's: PartitionLog::TruncateTo) ----
  // Drops the segments after the one based at `keep_base`, makes that one
  // end at `size` bytes for readers (the caller cuts the file after), and
  // moves the log end to `log_end`, the high watermark down to it if above.
  // Returns the dropped segments (their files are the caller's to remove).
  // FAILED_PRECONDITION if the log closed or has no such segment.
  absl::StatusOr<std::vector<std::shared_ptr<Segment>>> TruncateTo(int64_t keep_base, int64_t size,
                                                                   int64_t log_end)
      ABSL_LOCKS_EXCLUDED(mu_);

  // A follower behind its leader's log start (PartitionLog::
  // TruncateFullyAndStartAt): `segment`, empty and based at `offset`,
  // becomes the only one; the log start, high watermark and log end move to
  // `offset`. Returns the segments it replaced (their files are the
  // caller's to remove). FAILED_PRECONDITION if the log closed.
  absl::StatusOr<std::vector<std::shared_ptr<Segment>>> ResetTo(std::shared_ptr<Segment> segment,
                                                                int64_t offset)
      ABSL_LOCKS_EXCLUDED(mu_);

  std::vector<int64_t> bases() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status StateErrorLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Span SpanLocked(SegmentMap::const_iterator it) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const int32_t partition_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kOpen;
  SegmentMap segments_ ABSL_GUARDED_BY(mu_);
  int64_t log_start_ ABSL_GUARDED_BY(mu_);
  int64_t high_watermark_ ABSL_GUARDED_BY(mu_);
  int64_t log_end_ ABSL_GUARDED_BY(mu_);
  int64_t size_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  WaiterList waiters_ ABSL_GUARDED_BY(mu_);
  WaiterList written_waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::storage

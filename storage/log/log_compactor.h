// LogCompactor: key-based compaction of a COMPACT topic's partition. Each
// durable sealed segment with superseded records is rewritten keeping, per
// key, only the newest record of the whole durable log (offsets kept:
// batches keep their base offset and offset span, so a reader continues past
// removed offsets). Records without a key are kept. A tombstone (a key with
// an empty value) is kept for delete_retention_ms after the cleaner first
// saw its segment (KIP-534), not from the producer's timestamp, so lagging
// consumers see the delete.
//
// Crash-atomic, as Kafka's cleaner: the output is written to
// `<base>.log.cleaned` and fsynced; renaming it to `<base>.log.swap` (with
// the directory fsynced) is the commit point; then the index entries are
// replaced, the .swap file is renamed over the segment and the directory
// fsynced. Recovery discards a .cleaned file and finishes a .swap file.
//
// Damage: a damaged batch whose length can be trusted is copied as it is
// (reads keep reporting DATA_LOSS for it) and counted; a segment whose
// damage cannot be stepped over is left alone. Neither stops the rest.
//
// Not thread-safe: the partition log runs one cleanup at a time. The
// pointers must outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "storage/log/log_reader.h"
#include "storage/log/log_segments.h"
#include "storage/log/offset_index.h"
#include "storage/log/partition_log_options.h"

namespace eventlog::storage {

class LogCompactor {
 public:
  // Where a test makes Compact() stop, as if the process died there.
  enum class CrashPoint {
    kNone,
    kCleanedWritten,  // .cleaned written and fsynced
    kSwapCommitted,   // renamed to .swap, directory fsynced
    kIndexUpdated,    // index entries replaced
    kSwapped,         // renamed over the segment, directory not yet fsynced
  };

  struct Stats {
    int64_t runs = 0;
    int64_t segments_rewritten = 0;
    int64_t bytes_reclaimed = 0;
    int64_t damaged_batches = 0;
  };

  LogCompactor(const PartitionLogOptions* options, LogSegments* segments,
               const OffsetIndex* offset_index, LogReader* reader)
      : options_(options), segments_(segments), offset_index_(offset_index), reader_(reader) {}

  absl::Status Compact();

  Stats stats() const;
  void TEST_SetCrashPoint(CrashPoint point) { crash_point_ = point; }

 private:
  using KeyOffsetMap = absl::flat_hash_map<std::string, int64_t>;

  // Rewrites one segment if anything in it can go. Sets *crashed when a
  // test crash point stopped it.
  absl::Status CompactSegment(const LogSegments::Sealed& sealed, const KeyOffsetMap& newest,
                              int64_t now_ms, bool* crashed);
  // When the cleaner first saw the segment at `base` (recorded now if never).
  absl::StatusOr<int64_t> FirstSeen(int64_t base, int64_t now_ms);
  absl::Status CheckSync(const absl::Status& status, const std::string& what);

  const PartitionLogOptions* const options_;
  LogSegments* const segments_;
  const OffsetIndex* const offset_index_;
  LogReader* const reader_;
  std::atomic<CrashPoint> crash_point_{CrashPoint::kNone};
  std::atomic<int64_t> runs_{0};
  std::atomic<int64_t> segments_rewritten_{0};
  std::atomic<int64_t> bytes_reclaimed_{0};
  std::atomic<int64_t> damaged_batches_{0};
};

}  // namespace eventlog::storage

// ProducerSnapshot: where a partition's ProducerState survives restarts.
// The state is derived from the batches (each keeps its producer id, epoch
// and base sequence), so a snapshot only bounds how much of the log the
// next open replays: it is written (LevelDB key `q`, not synced) at every
// segment roll and when the store closes, with the log end offset it
// reflects; at open the newest snapshot is read and the batches from its
// offset to the recovered end are replayed. A snapshot taken past the
// recovered end (a crash cut records it had seen) is trimmed to the end.
// Without a snapshot the active segment is replayed.
//
// Stateless functions; thread-safe (LevelDB is).
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "storage/log/producer_state.h"
#include "storage/log/segment.h"

namespace eventlog::storage {

class ProducerSnapshot {
 public:
  struct Loaded {
    ProducerState state;
    int64_t bytes_replayed = 0;  // segment bytes read after the snapshot (for tests)
  };

  // Adds the snapshot of `state` at `log_end` (what the state reflects) to
  // `batch`.
  static void Put(uint64_t topic_id, int32_t partition, int64_t log_end,
                  const ProducerState& state, leveldb::WriteBatch* batch);

  // The state of the partition whose recovered segments are `segments`
  // (never empty) and whose log ends at `log_end`. A malformed snapshot is
  // ignored (the active segment is replayed instead); a batch that cannot
  // be read stops the replay there (the state then knows less, which only
  // weakens deduplication: unknown producers are accepted).
  static absl::StatusOr<Loaded> Load(leveldb::DB* db, uint64_t topic_id, int32_t partition,
                                     const std::map<int64_t, std::shared_ptr<Segment>>& segments,
                                     int64_t log_end);
};

}  // namespace eventlog::storage

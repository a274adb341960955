// ProducerState: the idempotent producers of one partition (Kafka's
// producer id + epoch + sequence numbers), so that a retried batch is
// acknowledged with its original offsets instead of being appended twice,
// and a batch that skips sequence numbers is refused.
//
// Per producer id it keeps the epoch and the last kMaxBatches batches
// (first and last sequence, first and last offset), as Kafka's broker does:
// a client has at most 5 requests in flight per partition, so a retry is
// always one of them. Rules for a batch with producer id >= 0
// (docs/storage-format.md, "Idempotent producers"):
//  - a producer never seen (or forgotten) is accepted at any sequence;
//  - an epoch below the producer's: INVALID_PRODUCER_EPOCH;
//  - a newer epoch must start at sequence 0 (else OUT_OF_ORDER_SEQUENCE);
//  - same epoch: a batch with the first and last sequence of a kept batch
//    is a duplicate (its offsets are returned, nothing is appended);
//    otherwise its first sequence must follow the last one (wrapping from
//    INT32_MAX to 0), else OUT_OF_ORDER_SEQUENCE.
// At most kMaxProducers producers are kept; beyond that the one that
// appended longest ago is forgotten.
//
// The state is derived data: rebuilt at open from a snapshot (written at
// every segment roll and at a clean close) and the batches after it
// (ProducerStateLoader).
//
// Not thread-safe: the partition log guards it with its append lock.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::storage {

class ProducerState {
 public:
  static constexpr size_t kMaxBatches = 5;
  static constexpr size_t kMaxProducers = 10000;

  // One appended batch of a producer.
  struct Batch {
    int32_t first_sequence = 0;
    int32_t last_sequence = 0;
    int64_t first_offset = 0;
    int64_t last_offset = 0;
  };

  struct Producer {
    int16_t epoch = 0;
    std::deque<Batch> batches;  // oldest first, at most kMaxBatches
  };

  // What a producer's batch claims.
  struct Claim {
    int64_t producer_id = -1;
    int16_t epoch = -1;
    int32_t first_sequence = -1;
    int32_t record_count = 0;
  };

  // The last sequence number of a batch of `record_count` records starting
  // at `first_sequence` (wrapping past INT32_MAX to 0).
  static int32_t LastSequence(int32_t first_sequence, int32_t record_count);

  // Checks `claim` (producer_id >= 0) against the state: nullopt when the
  // batch may be appended; the original batch when it is a duplicate; an
  // error otherwise: FAILED_PRECONDITION with reason kInvalidProducerEpoch
  // or kOutOfOrderSequence (util::ErrorReason), naming the producer and the
  // expected sequence; INVALID_ARGUMENT for a negative epoch or sequence.
  absl::StatusOr<std::optional<Batch>> Check(const Claim& claim) const;

  // Records a batch appended at [first_offset, first_offset + record_count).
  // Also used to replay the log at open, where nothing is refused.
  void Record(const Claim& claim, int64_t first_offset);

  // Forgets batches at or after `log_end` (they were not recovered), and
  // producers left without batches.
  void TruncateTo(int64_t log_end);

  size_t size() const { return producers_.size(); }
  const Producer* Find(int64_t producer_id) const;

  // The snapshot encoding (docs/storage-format.md): version, then per
  // producer its id, epoch and batches. Decode: DATA_LOSS if malformed.
  std::string Encode() const;
  static absl::StatusOr<ProducerState> Decode(absl::string_view bytes);

 private:
  void EvictOldest();

  absl::flat_hash_map<int64_t, Producer> producers_;
};

}  // namespace eventlog::storage
